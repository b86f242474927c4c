package reaplat

import (
	"context"
	"fmt"
	"io"

	"github.com/childloop/childloop/bench/internal/child"
	"github.com/childloop/childloop/bench/internal/harness"
	"github.com/childloop/childloop/bench/internal/stats"
)

// runScale measures every Scaler next to a growing pool of idle children
// (see bench/README.md), then releases and reaps the pool.
func runScale(ctx context.Context, opts Options, methods []harness.Method, res *Result, log io.Writer) (errs []error) {
	var scalers []harness.Method // per row of res.Scale; nil if skipped
	running := 0
	for _, m := range methods {
		s, ok := m.(harness.Scaler)
		if !ok || !s.Scales() {
			continue
		}
		head, ok := newRow(m)
		if !ok {
			m = nil
		} else {
			running++
		}
		res.Scale = append(res.Scale, ScaleRow{Row: head})
		scalers = append(scalers, m)
	}
	if running == 0 {
		return nil
	}
	pool, err := child.NewIdlePool()
	if err != nil {
		return []error{err}
	}
	defer func() {
		fmt.Fprintf(log, "reaplat: scale: releasing %d idle children\n", pool.Len())
		if err := pool.Release(); err != nil {
			errs = append(errs, err)
		}
	}()
	for _, level := range opts.Levels() {
		if ctx.Err() != nil {
			return append(errs, ctx.Err())
		}
		p := newProgress(log, fmt.Sprintf("scale: spawning idle children to %d", level), level)
		if err := pool.Grow(level, p.update); err != nil {
			return append(errs, fmt.Errorf("scale: %w", err))
		}
		for i := range res.Scale {
			row, m := &res.Scale[i], scalers[i]
			if m == nil || row.Error != "" {
				continue
			}
			p := newProgress(log, fmt.Sprintf("scale: %s next to %d idle", m.Name(), level), opts.ScaleN)
			cfg := harness.LatencyConfig{N: opts.ScaleN, Warmup: min(opts.Warmup, 10), Progress: p.update}
			var samples []harness.Sample
			var err error
			if a, ok := m.(harness.IdleAdopter); ok {
				samples, err = a.ScaleLatency(ctx, cfg, pool.Pids())
			} else {
				samples, err = m.Latency(ctx, cfg)
			}
			if err != nil {
				row.Error = err.Error()
				errs = append(errs, fmt.Errorf("scale: %s at %d idle: %w", m.Name(), level, err))
				continue
			}
			row.Points = append(row.Points, ScalePoint{Idle: level, Summary: stats.Summarize(durations(samples)), Samples: samples})
		}
	}
	return errs
}
