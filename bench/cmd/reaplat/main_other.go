//go:build !linux

// Command reaplat measures child-exit latency; it needs Linux (pidfd,
// epoll) and exits with status 1 elsewhere.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "reaplat: Linux only")
	os.Exit(1)
}
