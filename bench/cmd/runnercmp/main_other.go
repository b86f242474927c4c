//go:build !linux

// Command runnercmp compares process runners; it needs Linux (it finds
// the processes a runner left behind in /proc) and exits with status 1
// elsewhere.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "runnercmp: Linux only")
	os.Exit(1)
}
