//go:build !linux

// Command supervise needs Linux: it makes itself a child subreaper with
// prctl(PR_SET_CHILD_SUBREAPER), which other systems lack. See main.go.
package main

import (
	"fmt"
	"os"
	"slices"
)

func main() {
	fmt.Fprint(os.Stderr, `usage: supervise [-cmd script]... [-file file] [flags]

Supervise keeps a few sh scripts running, restarts them with backoff and
reaps the orphans re-parented to it. It runs on Linux only: it makes itself
a child subreaper with prctl(PR_SET_CHILD_SUBREAPER), which other systems
lack (FreeBSD's procctl(PROC_REAP_ACQUIRE) would be the equivalent).
`)
	if len(os.Args) == 2 && slices.Contains([]string{"-h", "-help", "--help"}, os.Args[1]) {
		return
	}
	os.Exit(1)
}
