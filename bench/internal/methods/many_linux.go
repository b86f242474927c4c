package methods

import (
	"context"
	"fmt"
	"os/exec"

	"github.com/childloop/childloop/bench/internal/harness"
)

// The many section's Go rows (each runs in a helper process of its own):
// start cfg.N children, then notice every exit. os/exec waits with one
// goroutine per child blocked in Cmd.Wait, a thread each (waitid on the
// child's pidfd); past Go's 10000-thread limit the helper dies with
// "fatal error: thread exhaustion", which is the point of the row.

// startWaitMany is the many protocol for any blocking API: start returns
// a wait function for one started child, and each wait runs in a goroutine
// of its own, as a program written against os/exec would do it. A
// blocking front-end that parks its goroutines instead of threads is the
// same row with another start.
func startWaitMany(ctx context.Context, cfg harness.ManyConfig, start func() (wait func() error, err error)) (harness.ManyCounts, error) {
	done := make(chan error, cfg.N)
	for i := range cfg.N {
		wait, err := start()
		if err != nil {
			// Those started exit once the measuring process closes the
			// pipe; their goroutines report to done, nobody reads it.
			return harness.ManyCounts{}, fmt.Errorf("start %d of %d: %w", i+1, cfg.N, err)
		}
		go func() { done <- wait() }()
	}
	cfg.Started()
	var n harness.ManyCounts
	for range cfg.N {
		select {
		case err := <-done:
			n.Exited++
			if err != nil {
				n.Failed++
			}
		case <-ctx.Done():
			return n, ctx.Err()
		}
	}
	return n, nil
}

// execMany is the os/exec row: Cmd.Start, then Cmd.Wait in a goroutine.
// Stdin is the shared *os.File (used as it is: no copying goroutine).
func execMany(ctx context.Context, cfg harness.ManyConfig) (harness.ManyCounts, error) {
	return startWaitMany(ctx, cfg, func() (func() error, error) {
		cmd := exec.Command(cfg.Path)
		cmd.Env = []string{}
		cmd.Stdin = cfg.Stdin
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		return cmd.Wait, nil
	})
}
