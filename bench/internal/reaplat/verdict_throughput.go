package reaplat

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/childloop/childloop/bench/internal/harness"
)

// A target is a goal for childloop's default row in the throughput
// section, from issue 15 (the library's own cost per child): its ratio to
// a reference row must be at most (or at least) bound. The verdict prints
// each next to the measured ratio, met or not.
type target struct {
	ref    string // the reference row's Ref
	bound  float64
	atMost bool // ratio ≤ bound; else ratio ≥ bound
}

var (
	// Parent CPU per child, with either child program: no more than the
	// hand-written Go pidfd loop, and well under exec.Cmd.
	cpuTargets = []target{{ref: "the floor", bound: 1.0, atMost: true}, {ref: harness.RefExec, bound: 0.6, atMost: true}}
	// Children/s with the static true, where the parent's cost shows.
	staticRateTargets = []target{{ref: harness.RefExec, bound: 1.3}}
)

// judge formats the target for ref among ts against ratio x, or "" if
// there is none: " (target ≤ 1.00×: met)".
func judge(ts []target, ref string, x float64) string {
	for _, t := range ts {
		if t.ref != ref {
			continue
		}
		x = math.Round(x*100) / 100 // as printed: 1.004 meets ≤ 1.00
		op, met := "≥", x >= t.bound
		if t.atMost {
			op, met = "≤", x <= t.bound
		}
		verdict := "met"
		if !met {
			verdict = "not met"
		}
		return fmt.Sprintf(" (target %s %.2f×: %s)", op, t.bound, verdict)
	}
	return ""
}

// throughputVerdict gives one line per child program: the default row's
// children/s and parent CPU per child as ratios to the reference rows
// (harness.Row.Ref) of the same table, with the targets beside theirs.
// name is the default row's.
func throughputVerdict(r *Result) (lines []string, name string) {
	for _, t := range r.Throughput {
		var d ThroughputRow
		ok := false
		for _, row := range t.Rows {
			if row.Default && ran(row.RowStatus) && row.PerSecond > 0 {
				d, ok = row, true
			}
		}
		if !ok {
			continue
		}
		name = d.Method
		rateTargets := []target(nil)
		if t.Child.Static {
			rateTargets = staticRateTargets
		}
		var rates, cpu []string
		for _, row := range t.Rows {
			if row.Ref == "" || !ran(row.RowStatus) || row.PerSecond <= 0 {
				continue
			}
			x := d.PerSecond / row.PerSecond
			rates = append(rates, fmt.Sprintf("%.2f× %s%s", x, row.Ref, judge(rateTargets, row.Ref, x)))
			if row.SelfCPUNS > 0 && d.SelfCPUNS > 0 {
				x := float64(d.SelfCPUNS) / float64(row.SelfCPUNS)
				cpu = append(cpu, fmt.Sprintf("%.2f× %s's%s", x, row.Ref, judge(cpuTargets, row.Ref, x)))
			}
		}
		line := fmt.Sprintf("throughput, %s (higher is faster): %.0f children/s = %s", t.Child.Name, d.PerSecond, strings.Join(rates, ", "))
		if len(cpu) > 0 {
			line += fmt.Sprintf("; parent CPU per child %s µs = %s", us(time.Duration(d.SelfCPUNS)), strings.Join(cpu, ", "))
		}
		lines = append(lines, line)
	}
	return lines, name
}
