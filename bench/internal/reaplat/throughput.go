package reaplat

import (
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/childloop/childloop/bench/internal/harness"
)

// runThroughput measures every row with a Throughput function, once per
// child program (throughputChildren), in opts.Rounds interleaved rounds:
// each round runs every row with every child, in an order rotated by one
// per round. A row's children/s is its median round, its CPU per child the
// sum over its rounds.
func runThroughput(ctx context.Context, opts Options, methods []harness.Row, res *Result, pr *progress) []error {
	if !slices.ContainsFunc(methods, func(m harness.Row) bool { return m.Throughput != nil }) {
		return nil // -methods left none: no tables
	}
	dir, err := os.MkdirTemp("", "reaplat-throughput-")
	if err != nil {
		return []error{fmt.Errorf("throughput: %w", err)}
	}
	defer os.RemoveAll(dir)
	tables, err := throughputChildren(dir)
	if err != nil {
		return []error{fmt.Errorf("throughput: %w", err)}
	}
	type entry struct {
		t        harness.Row
		child    int // index into tables
		row      *ThroughputRow
		cpu      cpuTimes // summed over rounds
		children int      // summed over rounds
	}
	var ts []harness.Row
	var heads []Row
	for _, m := range methods {
		if m.Throughput != nil {
			head, _ := newRow(m)
			ts = append(ts, m)
			heads = append(heads, head)
		}
	}
	// Child-major order: a row's two runs of a round are far apart, so
	// that one slow spell of the machine seldom lands on both.
	var live []*entry
	for c := range tables {
		if tables[c].Skipped != "" {
			continue
		}
		tables[c].Rows = make([]ThroughputRow, len(ts))
		for i, head := range heads {
			tables[c].Rows[i] = ThroughputRow{Row: head, Concurrency: opts.Concurrency, Total: opts.Total, OutOfProcess: ts[i].Peer}
			if head.Skipped == "" {
				live = append(live, &entry{t: ts[i], child: c, row: &tables[c].Rows[i]})
			}
		}
	}
	var errs []error
	rounds(live, opts.Rounds, func(r int, e *entry) bool {
		ch := tables[e.child].Child
		cfg := harness.ThroughputConfig{Concurrency: opts.Concurrency, Total: share(opts.Total, opts.Rounds, r), Child: ch.Program}
		key := stepKey{SectionThroughput, e.row.Method, e.child}
		pr.begin(key, fmt.Sprintf("throughput round %d/%d: %s: %s (%d children, %d in flight)",
			r+1, opts.Rounds, ch.Name, e.row.Method, cfg.Total, cfg.Concurrency))
		cpu0, cpuErr := readCPU()
		run, err := e.t.Throughput(ctx, cfg)
		cpu1, cpuErr1 := readCPU()
		pr.end()
		switch {
		case e.t.Peer:
			// This process's getrusage would count the peer's whole
			// process as a child: take what it measured of itself.
			e.cpu.self += run.CPU
			e.cpu.children += run.ChildCPU
			e.children += cfg.Total
		case cpuErr == nil && cpuErr1 == nil:
			e.cpu.self += cpu1.self - cpu0.self
			e.cpu.children += cpu1.children - cpu0.children
			e.children += cfg.Total
		}
		fail := ""
		switch {
		case err != nil:
			fail = err.Error()
		case run.Elapsed <= 0:
			fail = "no elapsed time measured"
		}
		if fail != "" {
			e.row.Error = fail
			errs = append(errs, fmt.Errorf("throughput: %s: %s: %s", ch.Name, e.row.Method, fail))
			pr.dropStep(key)
			return false
		}
		e.row.ElapsedNS += int64(run.Elapsed)
		e.row.Rounds = append(e.row.Rounds, float64(cfg.Total)/run.Elapsed.Seconds())
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
	res.Throughput = append(res.Throughput, tables...)
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
