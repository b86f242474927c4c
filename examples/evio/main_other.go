//go:build !linux

// Command evio needs Linux: SIGCHLD reaches evio's loop through an abstract
// unix socket ("@name"), which only Linux has. See main.go.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "evio example: Linux only (it relays SIGCHLD through an abstract unix socket)")
	os.Exit(1)
}
