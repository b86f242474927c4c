//go:build !linux

// Command gnet needs Linux: its children's pidfds and pipes are watched by
// package netpoll's hooks, whose private set is an epoll instance. See
// main.go.
package main

import (
	"fmt"
	"os"
	"slices"
)

func main() {
	fmt.Fprint(os.Stderr, `usage: gnet [-addr host:port] [-cmd script] [-loops n] [-timeout d] [-grace d] [-max-output size]

Gnet is a TCP server on github.com/panjf2000/gnet/v2's event loops that runs
a script per request and answers with its output and status, with a
childproc.Parent per event loop. It runs on Linux only: the parents' hooks
(package netpoll, on Go's netpoller) keep the children's fds in an epoll
set, which only Linux has.
`)
	if len(os.Args) == 2 && slices.Contains([]string{"-h", "-help", "--help"}, os.Args[1]) {
		return
	}
	os.Exit(1)
}
