// Package runnercmp is the runnercmp command (bench/cmd/runnercmp) as a
// library: it compares childloop's xargs-style runner (examples/parallel)
// with `xargs -P` and GNU parallel at the same parallelism, on many short
// jobs (throughput) and on jobs that time out while their grandchildren,
// one of them setsid'd, are still running (wall time and the processes left
// behind). Main is the entry point; the pure parts (options, the /proc scan
// over any directory, the tables) are tested on their own.
package runnercmp
