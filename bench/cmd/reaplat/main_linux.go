// Command reaplat measures, on this machine, how fast each way of running
// child processes notices an exit (latency, latency next to many idle
// children, spawn+reap throughput) and, on request, how fast each reads a
// child's output, or children on pseudo-terminals, and prints one table
// per section; it also writes a PNG plot and, with -json, every raw sample.
//
//	go run ./bench/cmd/reaplat            # full run, ≤ ~2 minutes
//	go run ./bench/cmd/reaplat -quick     # smoke test
//	go run ./bench/cmd/reaplat -sections output  # output throughput, ~1 minute
//	go run ./bench/cmd/reaplat -sections pty     # children on terminals
//	go run ./bench/cmd/reaplat -h         # flags
//
// See bench/README.md for the method. Linux only.
package main

import (
	"os"

	"github.com/childloop/childloop/bench/internal/methods"
	"github.com/childloop/childloop/bench/internal/reaplat"
)

func main() {
	os.Exit(reaplat.Main(methods.Rows(), os.Args[1:], os.Stdout, os.Stderr))
}
