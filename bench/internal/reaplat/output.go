package reaplat

import (
	"context"
	"fmt"
	"time"

	"github.com/childloop/childloop/bench/internal/harness"
)

// runOutput measures every row with an Output function in opts.Rounds
// interleaved rounds: each round one child of opts.OutputMiB per row
// (after its warm-up child); a row's MB/s is its median round, its CPU per
// MiB the sum over its rounds.
func runOutput(ctx context.Context, opts Options, methods []harness.Row, res *Result, pr *progress) []error {
	var errs []error
	type entry struct {
		m   harness.Row
		row *OutputRow
		cpu cpuTimes // summed over rounds
		mib int      // read in those rounds, warm-up included
	}
	var ms []harness.Row
	var rows []OutputRow
	for _, m := range methods {
		if m.Output != nil {
			head, _ := newRow(m)
			ms = append(ms, m)
			rows = append(rows, OutputRow{Row: head, MiB: opts.OutputMiB, WarmupMiB: opts.OutputWarmupMiB(), OutOfProcess: m.Peer})
		}
	}
	var live []*entry
	for i := range rows {
		if rows[i].Skipped == "" {
			live = append(live, &entry{m: ms[i], row: &rows[i]})
		}
	}
	cfg := harness.OutputConfig{MiB: opts.OutputMiB, WarmupMiB: opts.OutputWarmupMiB()}
	rounds(live, opts.Rounds, func(r int, e *entry) bool {
		pr.begin(stepKey{SectionOutput, e.row.Method, 0},
			fmt.Sprintf("output round %d/%d: %s (%d MiB)", r+1, opts.Rounds, e.row.Method, cfg.MiB))
		cpu0, cpuErr := readCPU()
		d, err := e.m.Output(ctx, cfg)
		cpu1, cpuErr1 := readCPU()
		pr.end()
		if cpuErr == nil && cpuErr1 == nil {
			e.cpu.self += cpu1.self - cpu0.self
			e.cpu.children += cpu1.children - cpu0.children
			e.mib += cfg.MiB + cfg.WarmupMiB
		}
		switch {
		case err != nil:
			e.row.Error = err.Error()
			errs = append(errs, fmt.Errorf("output: %s: %w", e.row.Method, err))
			pr.drop(SectionOutput, e.row.Method)
			return false
		case d <= 0:
			e.row.Error = "no elapsed time measured"
			errs = append(errs, fmt.Errorf("output: %s: %s", e.row.Method, e.row.Error))
			pr.drop(SectionOutput, e.row.Method)
			return false
		}
		e.row.ElapsedNS += int64(d)
		e.row.Rounds = append(e.row.Rounds, float64(cfg.Bytes())/d.Seconds()/1e6)
		return true
	})
	for _, e := range live {
		if e.row.Error == "" {
			e.row.MBps = median(e.row.Rounds)
		}
		if e.mib > 0 {
			e.row.SelfCPUNS = int64(e.cpu.self) / int64(e.mib)
			e.row.ChildCPUNS = int64(e.cpu.children) / int64(e.mib)
		}
	}
	res.Output = append(res.Output, rows...)
	return errs
}

// outputRef returns the MB/s of the exec.Cmd.Output row, 0 if it did not
// run: the output table's ratio column.
func outputRef(r *Result) float64 {
	for _, row := range r.Output {
		if row.Ref == harness.RefExecOutput && ran(row.RowStatus) {
			return row.MBps
		}
	}
	return 0
}

// cpuPerMiB formats CPU ns per MiB as µs.
func cpuPerMiB(ns int64) string { return us(time.Duration(ns)) }
