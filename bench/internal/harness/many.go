package harness

import (
	"context"
	"os"
	"os/exec"
)

// ManyConfig parameterises one run of the many section, inside a helper
// process of its own (the waiting process whose threads, memory and fds
// are measured): start N children of Path (argv {Path}, empty environment,
// stdout and stderr /dev/null) that all read Stdin, call Started once all
// N are started, then notice every one's exit.
type ManyConfig struct {
	N    int
	Path string
	// Stdin is the read end of one pipe shared by every child; the
	// measuring process holds the only write end and closes it to release
	// them all (each gets EOF and exits).
	Stdin *os.File
	// Started must be called once, after the N-th start returned; it
	// returns when the measuring process has taken its samples and
	// released the children.
	Started func()
}

// ManyCounts is what a Many function noticed after Started returned.
type ManyCounts struct {
	Exited int // exits noticed (status known to user code)
	Failed int // of them, not a clean exit 0
}

// ManyFunc runs cfg in the helper process and returns once it has noticed
// the exit of every child it started (or failed).
type ManyFunc func(ctx context.Context, cfg ManyConfig) (ManyCounts, error)

// ManyPeerFunc returns the command for a peer driver's many mode with
// args (the measuring process adds the shared pipe's read end as fd 3 and
// runs it) and a cleanup to call after it exited.
type ManyPeerFunc func(ctx context.Context, args []string) (cmd *exec.Cmd, cleanup func(), err error)
