//go:build !linux

// Command evio needs Linux: SIGCHLD and the children's output reach evio's
// loop through an abstract unix socket ("@name"), which only Linux has. See
// main.go.
package main

import (
	"fmt"
	"os"
	"slices"
)

func main() {
	fmt.Fprint(os.Stderr, `usage: evio [-addr host:port] [-cmd script] [-timeout d] [-drain d] [-max-output bytes]

Evio is a TCP server on github.com/tidwall/evio's event loop that runs a
script per request and answers with its output and status. It runs on
Linux only: SIGCHLD and the children's output reach evio's loop through an
abstract unix socket, which only Linux has.
`)
	if len(os.Args) == 2 && slices.Contains([]string{"-h", "-help", "--help"}, os.Args[1]) {
		return
	}
	os.Exit(1)
}
