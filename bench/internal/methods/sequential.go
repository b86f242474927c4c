//go:build linux

package methods

import (
	"context"
	"errors"
	"time"

	"github.com/childloop/childloop/bench/internal/child"
	"github.com/childloop/childloop/bench/internal/harness"
)

// sequential runs cfg.Warmup+cfg.N exits one at a time; one runs the whole
// protocol for one child (and reaps it) and returns its sample. Warm-up
// samples are discarded; progress is reported for measured ones.
func sequential(ctx context.Context, cfg harness.LatencyConfig, one func() (harness.Sample, error)) ([]harness.Sample, error) {
	out := make([]harness.Sample, 0, cfg.N)
	for i := 0; i < cfg.Warmup+cfg.N; i++ {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		s, err := one()
		if err != nil {
			return out, err
		}
		if i < cfg.Warmup {
			continue
		}
		out = append(out, s)
		if cfg.Progress != nil {
			cfg.Progress(len(out))
		}
	}
	return out, nil
}

// catExit runs steps 2–5 of the protocol on a spawned cat and releases its
// fds: the handshake, t0 just before closing its stdin, then await, which
// must return t1 — the moment the method's user code first knew c.Pid had
// exited — and leave the child reaped, also on error. Every in-process row
// measures through here, so t0 and the close are the same for all of them.
func catExit(c *child.Cat, await func() (t1 time.Time, err error)) (harness.Sample, error) {
	defer c.Close()
	herr := c.Handshake()
	t0 := c.CloseStdin() // the child exits even if the handshake failed
	t1, err := await()
	if err := errors.Join(herr, err); err != nil {
		return harness.Sample{}, err
	}
	return harness.Sample{Pid: c.Pid, Latency: t1.Sub(t0)}, nil
}

// bounded runs the throughput protocol of the hand-written rows: keep up to
// cfg.Concurrency children of cfg.Child running until cfg.Total have been
// spawned, and
// return once every spawned child is reaped. spawn starts one child; reap
// blocks until at least one exit and returns how many children it reaped.
// After an error (or cancellation) no more children start, but those in
// flight are still reaped; a reap that reaps nothing and fails ends the run
// at once, and must then have cleaned up what it could.
func bounded(ctx context.Context, cfg harness.ThroughputConfig, spawn func() error, reap func() (int, error)) (harness.ThroughputRun, error) {
	start := time.Now()
	elapsed := func() harness.ThroughputRun { return harness.ThroughputRun{Elapsed: time.Since(start)} }
	spawned, done := 0, 0
	var firstErr error
	for {
		for firstErr == nil && spawned-done < cfg.Concurrency && spawned < cfg.Total {
			if firstErr = ctx.Err(); firstErr != nil {
				break
			}
			if firstErr = spawn(); firstErr != nil {
				break
			}
			spawned++
		}
		if done == spawned {
			return elapsed(), firstErr
		}
		n, err := reap()
		if err != nil && n == 0 {
			return elapsed(), err
		}
		if firstErr == nil {
			firstErr = err
		}
		done += n
	}
}
