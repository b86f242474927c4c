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
func runScale(ctx context.Context, opts Options, methods []harness.Row, res *Result, log io.Writer) (errs []error) {
	var scalers []*harness.Row // per row of res.Scale; nil if skipped
	running := 0
	for _, m := range methods {
		if !m.Scale {
			continue
		}
		head, ok := newRow(m)
		var p *harness.Row
		if ok {
			p = &m
			running++
		}
		res.Scale = append(res.Scale, ScaleRow{Row: head})
		scalers = append(scalers, p)
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
		// Each method's scale-n exits at this level, in rounds rotated
		// across the methods as in the latency section.
		var live []int // indexes into res.Scale
		for i, m := range scalers {
			if m != nil && res.Scale[i].Error == "" {
				live = append(live, i)
			}
		}
		samples := make([][]harness.Sample, len(res.Scale))
		rounds(live, opts.Rounds, func(r int, i int) bool {
			row, m := &res.Scale[i], scalers[i]
			n := share(opts.ScaleN, opts.Rounds, r)
			p := newProgress(log, fmt.Sprintf("scale: %s next to %d idle, round %d/%d", m.Name, level, r+1, opts.Rounds), n)
			cfg := harness.LatencyConfig{N: n, Warmup: min(opts.Warmup, 10), Idle: pool.Pids(), Progress: p.update}
			got, err := m.Latency(ctx, cfg)
			if err != nil {
				row.Error = err.Error()
				errs = append(errs, fmt.Errorf("scale: %s at %d idle: %w", m.Name, level, err))
				return false
			}
			samples[i] = append(samples[i], got...)
			return true
		})
		for _, i := range live {
			if row := &res.Scale[i]; row.Error == "" {
				row.Points = append(row.Points, ScalePoint{Idle: level, Summary: stats.Summarize(durations(samples[i])), Samples: samples[i]})
			}
		}
	}
	return errs
}
