package reaplat

import (
	"fmt"
	"strings"
	"time"

	"github.com/childloop/childloop/bench/internal/harness"
)

// execFrontName is the many section's row of package childloop/exec: the
// os/exec program with one import changed.
const execFrontName = "childloop exec (blocking front-end)"

// headline sums a run up in plain words, at most six lines, for a reader
// who has not seen the tables: what was measured and the headline numbers
// of childloop against os/exec and the peers. Sections that did not run
// are left out.
func headline(r *Result) []string {
	lines := []string{fmt.Sprintf("reaplat compared ways of running child processes from Go on this machine (%d CPUs, %s):",
		r.Env.NumCPU, strings.SplitN(r.Env.Time, "T", 2)[0])}
	if l := manyHeadline(r); l != "" {
		lines = append(lines, l)
	}
	if l := latencyHeadline(r); l != "" {
		lines = append(lines, l)
	}
	if l := scaleHeadline(r); l != "" {
		lines = append(lines, l)
	}
	if l := throughputHeadline(r); l != "" {
		lines = append(lines, l)
	}
	if len(lines) == 1 {
		return nil
	}
	return lines
}

// manyHeadline: threads and memory at the largest N os/exec reached, and
// where it died.
func manyHeadline(r *Result) string {
	var osexec, front, def *ManyRow
	for i := range r.Many {
		row := &r.Many[i]
		switch {
		case row.Ref == harness.RefExec:
			osexec = row
		case row.Method == execFrontName:
			front = row
		case row.Default:
			def = row
		}
	}
	if osexec == nil || def == nil {
		return ""
	}
	n, died := 0, ""
	for _, p := range osexec.Points {
		switch {
		case p.Skipped != "":
		case p.OK():
			n = p.N
		case died == "":
			died = fmt.Sprintf(" os/exec died at %d (%s).", p.N, p.Died)
		}
	}
	if n == 0 {
		return ""
	}
	at := func(row *ManyRow) (string, bool) {
		for _, p := range row.Points {
			if p.N == n && p.OK() {
				return fmt.Sprintf("%d threads and %.0f MB", p.MaxThreads, float64(p.StartedRSSKB)/1024), true
			}
		}
		return "", false
	}
	e, _ := at(osexec)
	line := fmt.Sprintf("- %d children alive at once: os/exec held %s", n, e)
	if front != nil {
		if f, ok := at(front); ok {
			line += "; the same program on childloop/exec " + f
		}
	}
	if d, ok := at(def); ok {
		line += "; a childloop parent on a loop " + d
	}
	line += "."
	if died != "" {
		line += died
	} else {
		line += " (-many-n 1000,3000,10000,30000 shows os/exec dying near 10000.)"
	}
	return line
}

// latencyHeadline: the default's median against the floor and the peers.
func latencyHeadline(r *Result) string {
	d, ok := defaultLatency(r)
	if !ok {
		return ""
	}
	line := fmt.Sprintf("- Noticing an exit: childloop %s µs (median)", us(d.Summary.P50))
	if f, ok := floorLatency(r); ok {
		line += fmt.Sprintf(", %s the raw pidfd + epoll floor", times(d.Summary.P50, f.P50))
	}
	var refs []string
	for _, row := range r.Latency {
		if row.Ref != "" && !row.Floor && ran(row.RowStatus) && row.Summary.N > 0 {
			name := row.Ref
			if name == harness.RefExec {
				name = "os/exec's Wait"
			}
			refs = append(refs, fmt.Sprintf("%s %s µs", name, us(row.Summary.P50)))
		}
	}
	if len(refs) > 0 {
		line += "; " + strings.Join(refs, ", ")
	}
	return line + "."
}

// scaleHeadline: the default's median next to the most idle children,
// against its own with one.
func scaleHeadline(r *Result) string {
	for _, row := range r.Scale {
		if !row.Default || !ran(row.RowStatus) || len(row.Points) < 2 {
			continue
		}
		first, last := row.Points[0], row.Points[len(row.Points)-1]
		return fmt.Sprintf("- Next to %d idle children an exit takes childloop %s µs, against %s µs next to %d.",
			last.Idle, us(last.Summary.P50), us(first.Summary.P50), first.Idle)
	}
	return ""
}

// throughputHeadline: the first child program's rate and parent CPU
// against os/exec's.
func throughputHeadline(r *Result) string {
	for _, t := range r.Throughput {
		var d, e *ThroughputRow
		for i := range t.Rows {
			row := &t.Rows[i]
			if !ran(row.RowStatus) || row.PerSecond <= 0 {
				continue
			}
			if row.Default {
				d = row
			} else if row.Ref == harness.RefExec {
				e = row
			}
		}
		if d == nil || e == nil {
			continue
		}
		return fmt.Sprintf("- Starting and reaping %s: childloop %.0f/s, %s os/exec's rate, with %s its CPU per child in the parent.",
			t.Child.Name, d.PerSecond, timesOf(d.PerSecond, e.PerSecond),
			times(time.Duration(d.SelfCPUNS), time.Duration(e.SelfCPUNS)))
	}
	return ""
}
