package reaplat

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// ptyResult is a pty section in which creack/pty lost output in the
// output workload but not in the interactive one.
func ptyResult() *Result {
	h := ptyHeads()
	term := func(wall int64, threads, goroutines int) PtyTerminals {
		return PtyTerminals{N: 500, WallNS: wall, StartNS: wall / 2, MaxThreads: threads, MaxGoroutines: goroutines, BaseThreads: 4, BaseGoroutines: 1}
	}
	return &Result{
		Options:  Options{PtyMiB: 64, PtyN: 500, PtyRounds: 5},
		PtyChild: "echoline",
		Pty: []PtyRow{
			{Row: h[0], Output: PtyOutput{MiB: 64, Rounds: []float64{300, 320}, MBps: 310, SelfCPUNS: 1500e3}, Terminals: term(200e6, 5, 2)},
			{Row: h[1], Output: PtyOutput{MiB: 64, RowStatus: RowStatus{Error: "lost output: read 1 bytes of the child's 2 in round 1"}},
				Terminals: term(400e6, 1000, 1002)},
			{Row: h[2], Output: PtyOutput{MiB: 64, Rounds: []float64{330}, MBps: 330, SelfCPUNS: 1400e3}, Terminals: term(190e6, 4, 2)},
		},
	}
}

// A workload that lost output shows "error" where its numbers would be,
// and why below the table; the other workload of the row keeps its
// numbers.
func TestPtyTableError(t *testing.T) {
	r := ptyResult()
	var plain, md bytes.Buffer
	printPty(&plain, r)
	markdownPty(&md, r)
	for _, out := range []string{plain.String(), md.String()} {
		var line string
		for l := range strings.Lines(out) {
			if strings.Contains(l, PtyCreack) && !strings.Contains(l, "lost") {
				line = l
			}
		}
		assert.Contains(t, line, "error", "creack/pty's line in\n%s", out)
		assert.Contains(t, line, "1000", "its threads")
		assert.Contains(t, out, PtyCreack+" (output)", "the note")
		assert.Contains(t, out, "lost output: read 1 bytes", "the note")
		assert.Contains(t, out, "0.94x", "childloop's rate against the floor's")
	}
}

// The verdict gives the targets, and says which were met.
func TestPtyVerdict(t *testing.T) {
	r := ptyResult()
	line, name, ok := ptyVerdict(r)
	assert.True(t, ok)
	assert.Equal(t, PtyChildloop, name)
	assert.NotContains(t, line, "creack/pty (target", "no rate ratio to a row that lost output")
	assert.Contains(t, line, "0.94× the floor")
	assert.Contains(t, line, "500 terminals: 5 OS threads (target ≤ 8: met), 2 goroutines, 0.200 s = 0.50× creack/pty's, which held 1000 threads")

	r.Pty[1].Output = PtyOutput{MiB: 64, Rounds: []float64{400}, MBps: 400, SelfCPUNS: 3000e3}
	r.Pty[0].Terminals.MaxThreads = 9
	line, _, _ = ptyVerdict(r)
	assert.Contains(t, line, "310 MB/s = 0.78× creack/pty (target ≥ 1.00×: MISSED), CPU per MiB 1500 µs = 0.50× creack/pty's")
	assert.Contains(t, line, "9 OS threads (target ≤ 8: MISSED)")
}
