// Command runnercmp compares childloop's xargs-style runner
// (examples/parallel) with `xargs -P` and GNU parallel at the same
// parallelism, and prints Markdown tables with the command line and the
// machine:
//
//	(a) many `/bin/true` jobs (-child static: a static ELF that only exits):
//	    wall time and jobs/s, median of -runs, and the ratio to xargs;
//	(b) jobs that each start a plain and a setsid'd grandchild and time
//	    out: wall time, and how many grandchildren are left behind.
//
//	go run ./bench/cmd/runnercmp                # full run, a few minutes
//	go run ./bench/cmd/runnercmp -quick         # smoke test
//	go run ./bench/cmd/runnercmp -child static  # (a) without loader or libc
//	go run ./bench/cmd/runnercmp -h             # flags
//
// GNU parallel's row reads "not installed (apt-get install parallel)"
// where it is missing. See bench/README.md. Linux only (/proc).
package main

import (
	"os"

	"github.com/childloop/childloop/bench/internal/runnercmp"
)

func main() {
	os.Exit(runnercmp.Main(os.Args[1:], os.Stdout, os.Stderr))
}
