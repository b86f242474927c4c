package reaplat

import (
	"context"
	"fmt"
	"slices"

	"github.com/childloop/childloop/bench/internal/harness"
)

// runThroughput measures every row with a Throughput function in
// opts.Rounds interleaved rounds; a row's children/s is its median round,
// its CPU per child the sum over its rounds.
func runThroughput(ctx context.Context, opts Options, methods []harness.Row, res *Result, pr *progress) []error {
	var errs []error
	type entry struct {
		t        harness.Row
		row      *ThroughputRow
		cpu      cpuTimes // summed over rounds
		children int      // summed over rounds
	}
	var ts []harness.Row
	var rows []ThroughputRow
	for _, m := range methods {
		if m.Throughput != nil {
			head, _ := newRow(m)
			ts = append(ts, m)
			rows = append(rows, ThroughputRow{Row: head, Concurrency: opts.Concurrency, Total: opts.Total, OutOfProcess: m.Peer})
		}
	}
	var live []*entry
	for i := range rows {
		if rows[i].Skipped == "" {
			live = append(live, &entry{t: ts[i], row: &rows[i]})
		}
	}
	rounds(live, opts.Rounds, func(r int, e *entry) bool {
		cfg := harness.ThroughputConfig{Concurrency: opts.Concurrency, Total: share(opts.Total, opts.Rounds, r),
			Child: trueChild()}
		pr.begin(stepKey{SectionThroughput, e.row.Method, 0},
			fmt.Sprintf("throughput round %d/%d: %s (%d children, %d in flight)", r+1, opts.Rounds, e.row.Method, cfg.Total, cfg.Concurrency))
		cpu0, cpuErr := readCPU()
		run, err := e.t.Throughput(ctx, cfg)
		d := run.Elapsed
		cpu1, cpuErr1 := readCPU()
		pr.end()
		switch {
		case e.t.Peer:
			// reaplat's own getrusage would count the peer's process
			// as a child: take what the peer measured of itself.
			e.cpu.self += run.CPU
			e.cpu.children += run.ChildCPU
			e.children += cfg.Total
		case cpuErr == nil && cpuErr1 == nil:
			e.cpu.self += cpu1.self - cpu0.self
			e.cpu.children += cpu1.children - cpu0.children
			e.children += cfg.Total
		}
		switch {
		case err != nil:
			e.row.Error = err.Error()
			errs = append(errs, fmt.Errorf("throughput: %s: %w", e.row.Method, err))
			pr.drop(SectionThroughput, e.row.Method)
			return false
		case d <= 0:
			e.row.Error = "no elapsed time measured"
			errs = append(errs, fmt.Errorf("throughput: %s: %s", e.row.Method, e.row.Error))
			pr.drop(SectionThroughput, e.row.Method)
			return false
		}
		e.row.ElapsedNS += int64(d)
		e.row.Rounds = append(e.row.Rounds, float64(cfg.Total)/d.Seconds())
		return true
	})
	for _, e := range live {
		if e.row.Error == "" {
			e.row.PerSecond = median(e.row.Rounds)
		}
		if e.children > 0 {
			e.row.SelfCPUNS = int64(e.cpu.self) / int64(e.children)
			e.row.ChildCPUNS = int64(e.cpu.children) / int64(e.children)
		}
	}
	res.Throughput = append(res.Throughput, rows...)
	return errs
}

// median is the middle of xs (the mean of the two middle values for an
// even count); xs is not modified.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
