package reaplat

import (
	"fmt"
	"strings"
	"time"
)

// The pty section's targets: childloop's terminal reads at least as fast
// as creack/pty's goroutine per terminal, and its parent holds at most a
// handful of OS threads however many terminals are open.
const (
	ptyTargetRate    = 1.0 // × creack/pty's MB/s
	ptyTargetThreads = 8   // OS threads of the parent with -pty-n terminals
)

// met says whether a target was met.
func met(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// ptyVerdict sums up the childloop Terminal row against creack/pty and
// the floor, with the section's targets; name is that row's.
func ptyVerdict(r *Result) (line, name string, ok bool) {
	var d *PtyRow
	for i := range r.Pty {
		if r.Pty[i].Default {
			d = &r.Pty[i]
		}
	}
	if d == nil {
		return "", "", false
	}
	creack, floor := ptyRefs(r)
	var parts []string
	if o := d.Output; ran(o.RowStatus) && o.MBps > 0 {
		part := fmt.Sprintf("%.0f MB/s", o.MBps)
		if c := ptyRate(creack); c > 0 {
			part += fmt.Sprintf(" = %s creack/pty (target ≥ %.2f×: %s)", timesOf(o.MBps, c), ptyTargetRate, met(o.MBps >= ptyTargetRate*c))
			if creack.Output.SelfCPUNS > 0 {
				part += fmt.Sprintf(", CPU per MiB %s µs = %s creack/pty's", cpuPerMiB(o.SelfCPUNS),
					times(time.Duration(o.SelfCPUNS), time.Duration(creack.Output.SelfCPUNS)))
			}
		}
		if f := ptyRate(floor); f > 0 {
			part += fmt.Sprintf(", %s the floor", timesOf(o.MBps, f))
		}
		parts = append(parts, part)
	}
	if t := d.Terminals; ran(t.RowStatus) && t.WallNS > 0 {
		part := fmt.Sprintf("%d terminals: %d OS threads (target ≤ %d: %s), %d goroutines, %.3f s",
			t.N, t.MaxThreads, ptyTargetThreads, met(t.MaxThreads <= ptyTargetThreads), t.MaxGoroutines, time.Duration(t.WallNS).Seconds())
		if c := creack.Terminals; ran(c.RowStatus) && c.WallNS > 0 {
			part += fmt.Sprintf(" = %s creack/pty's, which held %d threads and %d goroutines",
				times(time.Duration(t.WallNS), time.Duration(c.WallNS)), c.MaxThreads, c.MaxGoroutines)
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return "", "", false
	}
	return "pty: " + d.Method + " " + strings.Join(parts, "; "), d.Method, true
}
