//go:build !linux

// Command evio needs Linux: SIGCHLD and the children's output reach evio's
// loop through an abstract unix socket ("@name"), which only Linux has. See
// main.go.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "evio example: Linux only (it relays SIGCHLD and the children's output through an abstract unix socket)")
	os.Exit(1)
}
