// Command orphans measures reaping orphans in a child subreaper beside
// live os/exec children: childloop's ModeOrphans against ModeReapAll and a
// go-reap-style signal.Notify + wait4(-1) loop, with the os/exec statuses
// each one loses. It prints a Markdown table.
//
//	go run ./bench/cmd/orphans          # about a minute
//	go run ./bench/cmd/orphans -quick   # smoke test
//
// See bench/README.md.
package main

import (
	"os"

	"github.com/childloop/childloop/bench/internal/orphanbench"
)

func main() {
	os.Exit(orphanbench.Main(os.Args[1:], os.Stdout, os.Stderr))
}
