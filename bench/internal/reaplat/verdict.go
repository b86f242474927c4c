package reaplat

import (
	"fmt"
	"strings"
	"time"

	"github.com/childloop/childloop/bench/internal/stats"
)

// verdict sums a run up in one line per section (the throughput section:
// one per child program): childloop's default row
// as ratios to the reference rows (harness.Row.Ref: the floor, exec.Cmd,
// Node, asyncio; the pty section's creack/pty) measured in the same run. It returns the default row's
// name and the lines; none when the default row did not run (-methods).
func verdict(r *Result) (name string, lines []string) {
	if d, ok := defaultLatency(r); ok {
		name = d.Method
		var refs []string
		for _, row := range r.Latency {
			if row.Ref != "" && ran(row.RowStatus) && row.Summary.N > 0 {
				refs = append(refs, times(d.Summary.P50, row.Summary.P50)+" "+row.Ref)
			}
		}
		line := fmt.Sprintf("latency (lower is faster): p50 %s µs = %s", us(d.Summary.P50), strings.Join(refs, ", "))
		if f, ok := floorLatency(r); ok {
			line += fmt.Sprintf("; p99 %s µs = %s the floor", us(d.Summary.P99), times(d.Summary.P99, f.P99))
		}
		lines = append(lines, line)
	}
	if line, n, ok := scaleVerdict(r); ok {
		name = n
		lines = append(lines, line)
	}
	if ls, n := throughputVerdict(r); len(ls) > 0 {
		name = n
		lines = append(lines, ls...)
	}
	if line, n, ok := outputVerdict(r); ok {
		if name == "" {
			name = n
		}
		lines = append(lines, line)
	}
	if line, n, ok := ptyVerdict(r); ok {
		if name == "" {
			name = n
		}
		lines = append(lines, line)
	}
	return name, lines
}

// ran reports whether a row has numbers.
func ran(s RowStatus) bool { return s.Skipped == "" && s.Error == "" }

// times formats x/ref as "1.05×", or "n/a×" without a reference.
func times(x, ref time.Duration) string {
	r, ok := stats.Ratio(x, ref)
	if !ok {
		return "n/a×"
	}
	return fmt.Sprintf("%.2f×", r)
}

// timesOf is times for rates.
func timesOf(x, ref float64) string {
	if ref <= 0 {
		return "n/a×"
	}
	return fmt.Sprintf("%.2f×", x/ref)
}

func defaultLatency(r *Result) (LatencyRow, bool) {
	for _, row := range r.Latency {
		if row.Default && ran(row.RowStatus) && row.Summary.N > 0 {
			return row, true
		}
	}
	return LatencyRow{}, false
}

func floorLatency(r *Result) (stats.Summary, bool) {
	for _, row := range r.Latency {
		if row.Floor && ran(row.RowStatus) && row.Summary.N > 0 {
			return row.Summary, true
		}
	}
	return stats.Summary{}, false
}

// scaleVerdict compares p50s at the largest level the default row reached,
// and the default's growth from its smallest level.
func scaleVerdict(r *Result) (line, name string, ok bool) {
	var d ScaleRow
	for _, row := range r.Scale {
		if row.Default && ran(row.RowStatus) && len(row.Points) > 0 {
			d, ok = row, true
		}
	}
	if !ok {
		return "", "", false
	}
	first, last := d.Points[0], d.Points[len(d.Points)-1]
	var refs []string
	for _, row := range r.Scale {
		if row.Ref == "" || !ran(row.RowStatus) {
			continue
		}
		for _, p := range row.Points {
			if p.Idle == last.Idle {
				refs = append(refs, times(last.Summary.P50, p.Summary.P50)+" "+row.Ref)
			}
		}
	}
	line = fmt.Sprintf("scale (lower is faster): p50 next to %d idle children %s µs = %s; %s its p50 next to %d",
		last.Idle, us(last.Summary.P50), strings.Join(refs, ", "), times(last.Summary.P50, first.Summary.P50), first.Idle)
	return line, d.Method, true
}

// outputVerdict gives, for each of childloop's output rows, its MB/s as
// ratios to the reference rows and, with the in-process ones, this
// process's CPU per MiB; name is the first such row.
func outputVerdict(r *Result) (line, name string, ok bool) {
	var parts []string
	for _, d := range r.Output {
		if !d.Default || !ran(d.RowStatus) || d.MBps <= 0 {
			continue
		}
		if name == "" {
			name = d.Method
		}
		var rates, cpu []string
		for _, row := range r.Output {
			if row.Ref == "" || !ran(row.RowStatus) || row.MBps <= 0 {
				continue
			}
			rates = append(rates, timesOf(d.MBps, row.MBps)+" "+row.Ref)
			if !row.OutOfProcess && row.SelfCPUNS > 0 {
				cpu = append(cpu, times(time.Duration(d.SelfCPUNS), time.Duration(row.SelfCPUNS))+" "+row.Ref+"'s")
			}
		}
		part := fmt.Sprintf("%s %.0f MB/s = %s", d.Method, d.MBps, strings.Join(rates, ", "))
		if len(cpu) > 0 {
			part += fmt.Sprintf(", CPU per MiB %s µs = %s", cpuPerMiB(d.SelfCPUNS), strings.Join(cpu, ", "))
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return "", "", false
	}
	return "output (higher is faster): " + strings.Join(parts, "; "), name, true
}
