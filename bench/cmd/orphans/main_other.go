//go:build !linux

// Command orphans measures reaping orphans in a child subreaper; it needs
// Linux (prctl PR_SET_CHILD_SUBREAPER) and exits with status 1 elsewhere.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "orphans: needs Linux (a child subreaper)")
	os.Exit(1)
}
