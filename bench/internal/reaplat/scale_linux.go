package reaplat

import (
	"context"
	"fmt"

	"github.com/childloop/childloop/bench/internal/child"
	"github.com/childloop/childloop/bench/internal/harness"
	"github.com/childloop/childloop/bench/internal/stats"
)

// runScale measures every row marked Scale next to a growing pool of idle
// children (see bench/README.md), then releases and reaps the pool.
func runScale(ctx context.Context, opts Options, methods []harness.Row, res *Result, pr *progress) (errs []error) {
	// Whatever stopped the section early, its steps are not to come.
	defer pr.drop(SectionScale, "")
	defer pr.drop(stepGrow, "")
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
		pr.drop(stepRelease, "")
		return []error{err}
	}
	defer func() {
		pr.begin(stepKey{stepRelease, "", 0}, fmt.Sprintf("scale: releasing %d idle children", pool.Len()))
		if err := pool.Release(); err != nil {
			errs = append(errs, err)
		}
		pr.end()
	}()
	for _, level := range opts.Levels() {
		if ctx.Err() != nil {
			return append(errs, ctx.Err())
		}
		pr.begin(stepKey{stepGrow, "", level}, fmt.Sprintf("scale: spawning idle children to %d", level))
		err := pool.Grow(level, nil)
		pr.end()
		if err != nil {
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
			update := pr.begin(stepKey{SectionScale, m.Name, level},
				fmt.Sprintf("scale: %d idle, round %d/%d: %s", level, r+1, opts.Rounds, m.Name))
			cfg := harness.LatencyConfig{N: n, Warmup: scaleWarmup(opts), Idle: pool.Pids(), Progress: update}
			got, err := m.Latency(ctx, cfg)
			pr.end()
			if err != nil {
				row.Error = err.Error()
				errs = append(errs, fmt.Errorf("scale: %s at %d idle: %w", m.Name, level, err))
				pr.drop(SectionScale, m.Name)
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
