package reaplat

import (
	"context"
	"fmt"

	"github.com/childloop/childloop/bench/internal/harness"
	"github.com/childloop/childloop/bench/internal/stats"
)

// runLatency measures the latency of every row that has a Latency function in opts.Rounds interleaved
// rounds and pools each row's samples.
func runLatency(ctx context.Context, opts Options, methods []harness.Row, res *Result, pr *progress) []error {
	var errs []error
	type entry struct {
		m   harness.Row
		row *LatencyRow
	}
	var lat []harness.Row
	for _, m := range methods {
		if m.Latency != nil {
			lat = append(lat, m)
		}
	}
	var live []entry
	rows := make([]LatencyRow, len(lat))
	for i, m := range lat {
		head, ok := newRow(m)
		rows[i] = LatencyRow{Row: head}
		if ok {
			live = append(live, entry{m, &rows[i]})
		}
	}
	rounds(live, opts.Rounds, func(r int, e entry) bool {
		n := share(opts.N, opts.Rounds, r)
		update := pr.begin(stepKey{SectionLatency, e.m.Name, 0},
			fmt.Sprintf("latency round %d/%d: %s", r+1, opts.Rounds, e.m.Name))
		samples, err := e.m.Latency(ctx, harness.LatencyConfig{N: n, Warmup: opts.Warmup, Progress: update})
		pr.end()
		e.row.Samples = append(e.row.Samples, samples...)
		if err != nil {
			e.row.Error = err.Error()
			errs = append(errs, fmt.Errorf("latency: %s: %w", e.m.Name, err))
			pr.drop(SectionLatency, e.m.Name)
			return false
		}
		return true
	})
	for i := range rows {
		rows[i].Summary = stats.Summarize(durations(rows[i].Samples))
	}
	res.Latency = append(res.Latency, rows...)
	return errs
}
