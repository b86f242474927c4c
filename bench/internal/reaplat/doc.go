// Package reaplat is the reaplat command (bench/cmd/reaplat) as a library:
// flag parsing, running the latency, scale, throughput and output sections
// over the methods registered in harness (and the many and pty sections,
// each in helper processes), printing tables, and writing the JSON
// results and the PNG plots. Main is the entry point; tests call it with a
// temporary output directory.
package reaplat
