//go:build !linux

// Command supervise needs Linux: it makes itself a child subreaper with
// prctl(PR_SET_CHILD_SUBREAPER), which other systems lack. See main.go.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "supervise example: Linux only (it relies on PR_SET_CHILD_SUBREAPER)")
	os.Exit(1)
}
