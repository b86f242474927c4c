package reaplat

import (
	"strings"
	"testing"
	"time"

	"github.com/childloop/childloop/bench/internal/stats"
	"github.com/stretchr/testify/assert"
)

func TestVerdict(t *testing.T) {
	sum := func(p50, p99 time.Duration) stats.Summary { return stats.Summary{N: 10, P50: p50, P99: p99} }
	pt := func(idle int, p50 time.Duration) ScalePoint { return ScalePoint{Idle: idle, Summary: sum(p50, p50)} }
	r := &Result{
		Latency: []LatencyRow{
			{Row: Row{Method: "floor", Floor: true, Ref: "the floor"}, Summary: sum(100*time.Microsecond, 200*time.Microsecond)},
			{Row: Row{Method: "def", Default: true}, Summary: sum(105*time.Microsecond, 300*time.Microsecond)},
			{Row: Row{Method: "exec", Ref: "exec.Cmd"}, Summary: sum(150*time.Microsecond, 300*time.Microsecond)},
			{Row: Row{Method: "node", Ref: "Node", RowStatus: RowStatus{Skipped: "not installed"}}},
		},
		Scale: []ScaleRow{
			{Row: Row{Method: "floor", Floor: true, Ref: "the floor"}, Points: []ScalePoint{pt(1, 100*time.Microsecond), pt(100, 100*time.Microsecond)}},
			{Row: Row{Method: "def", Default: true}, Points: []ScalePoint{pt(1, 100*time.Microsecond), pt(100, 120*time.Microsecond)}},
		},
		Throughput: []ThroughputTable{{
			Child: ThroughputChild{Name: "/bin/true"},
			Rows: []ThroughputRow{
				{Row: Row{Method: "floor", Floor: true, Ref: "the floor"}, PerSecond: 1000, SelfCPUNS: 50000},
				{Row: Row{Method: "def", Default: true}, PerSecond: 1500, SelfCPUNS: 100000},
				{Row: Row{Method: "exec", Ref: "exec.Cmd"}, PerSecond: 1200, SelfCPUNS: 160000},
				{Row: Row{Method: "node", Ref: "Node"}, PerSecond: 500, OutOfProcess: true, SelfCPUNS: 1000},
			},
		}, {
			Child: ThroughputChild{Name: "static", Static: true},
			Rows: []ThroughputRow{
				{Row: Row{Method: "floor", Floor: true, Ref: "the floor"}, PerSecond: 4000, SelfCPUNS: 50000},
				{Row: Row{Method: "def", Default: true}, PerSecond: 3900, SelfCPUNS: 50200},
				{Row: Row{Method: "exec", Ref: "exec.Cmd"}, PerSecond: 3000, SelfCPUNS: 80000},
			},
		}, {
			Child: ThroughputChild{Name: "skipped", Static: true}, Skipped: "no such child here",
		}},
		Output: []OutputRow{
			{Row: Row{Method: "capture", Default: true}, MBps: 500, SelfCPUNS: 4000},
			{Row: Row{Method: "stream", Default: true}, MBps: 2000, SelfCPUNS: 300},
			{Row: Row{Method: "exec.Cmd.Output", Ref: "exec.Cmd.Output"}, MBps: 1000, SelfCPUNS: 2000},
			{Row: Row{Method: "node", Ref: "Node"}, MBps: 1600, OutOfProcess: true, SelfCPUNS: 10},
			{Row: Row{Method: "asyncio", Ref: "asyncio", RowStatus: RowStatus{Error: "boom"}}, MBps: 100},
		},
	}
	name, lines := verdict(r)
	want := []string{
		"latency (lower is faster): p50 105 µs = 1.05× the floor, 0.70× exec.Cmd; p99 300 µs = 1.50× the floor",
		"scale (lower is faster): p50 next to 100 idle children 120 µs = 1.20× the floor; 1.20× its p50 next to 1",
		"throughput, /bin/true (higher is faster): 1500 children/s = 1.50× the floor, 1.25× exec.Cmd, 3.00× Node; parent CPU per child 100 µs = " +
			"2.00× the floor's, 0.62× exec.Cmd's, 100.00× Node's",
		"throughput, static (higher is faster): 3900 children/s = 0.97× the floor, 1.30× exec.Cmd; parent CPU per child 50 µs = " +
			"1.00× the floor's, 0.63× exec.Cmd's",
		"output (higher is faster): capture 500 MB/s = 0.50× exec.Cmd.Output, 0.31× Node, CPU per MiB 4 µs = 2.00× exec.Cmd.Output's; " +
			"stream 2000 MB/s = 2.00× exec.Cmd.Output, 1.25× Node, CPU per MiB 0 µs = 0.15× exec.Cmd.Output's",
	}
	assert.Equal(t, "def", name, "verdict's row")
	assert.Equal(t, strings.Join(want, "\n"), strings.Join(lines, "\n"), "verdict")
	_, lines = verdict(&Result{Latency: r.Latency[:1]})
	assert.Empty(t, lines, "without a default row")
	name, lines = verdict(&Result{Output: r.Output})
	assert.Equal(t, "capture", name, "verdict's row with the output section alone")
	assert.Len(t, lines, 1, "output alone")
}

// The headline copes with any subset of rows (-methods), down to none.
func TestHeadlineSubsets(t *testing.T) {
	ok := ManyPoint{N: 10, Started: 10, Exited: 10, MaxThreads: 4, StartedRSSKB: 8192}
	rows := []ManyRow{
		{Row: Row{Method: "def", Default: true}, Points: []ManyPoint{ok}},
		{Row: Row{Method: "exec", Ref: "exec.Cmd"}, Points: []ManyPoint{ok}},
		{Row: Row{Method: execFrontName}, Points: []ManyPoint{ok}},
	}
	for mask := range 8 {
		var sub []ManyRow
		for i, r := range rows {
			if mask&(1<<i) != 0 {
				sub = append(sub, r)
			}
		}
		_ = headline(&Result{Many: sub}) // must not panic
	}
	lines := headline(&Result{Many: rows[:2]})
	if assert.Len(t, lines, 2) {
		assert.Equal(t, "- 10 children alive at once: os/exec held 4 threads and 8 MB; a childloop parent on a loop 4 threads and 8 MB. (-many-n 1000,3000,10000,30000 shows os/exec dying near 10000.)", lines[1])
	}
}

// A row keeps its style whichever sections ran: colours follow the
// selected rows' order, not the sections' contents.
func TestStylesStableAcrossSections(t *testing.T) {
	rows := []Row{{Method: "floor", Floor: true}, {Method: "def", Default: true}, {Method: "a"}, {Method: "b"}, {Method: "c"}}
	full := &Result{Rows: rows, Latency: []LatencyRow{{Row: rows[0]}, {Row: rows[1]}, {Row: rows[2]}, {Row: rows[4]}}}
	many := &Result{Rows: rows, Many: []ManyRow{{Row: rows[4]}, {Row: rows[1]}}}
	sf, _ := styles(full)
	sm, _ := styles(many)
	for _, name := range []string{"def", "c"} {
		assert.Equal(t, sf[name].color, sm[name].color, "row %s", name)
	}
	assert.NotEqual(t, sf["a"].color, sf["c"].color)
}
