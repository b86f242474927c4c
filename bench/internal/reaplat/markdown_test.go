package reaplat

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/childloop/childloop/bench/internal/stats"
	"github.com/stretchr/testify/assert"
)

// TestMarkdownRowNames checks that every row the plain tables print is in
// the Markdown under exactly the same name, as the first cell of a table
// row, and that skipped rows are listed instead.
func TestMarkdownRowNames(t *testing.T) {
	sum := stats.Summary{N: 3, P50: 100 * time.Microsecond, P99: 200 * time.Microsecond}
	names := []string{"pidfd + epoll (floor)", "childloop default (pidfd)", "signal.Notify → self-pipe → epoll"}
	r := &Result{Options: Options{N: 3, ScaleN: 3, ScaleMax: 1, Rounds: 1, Total: 10, Concurrency: 2}}
	r.Throughput = []ThroughputTable{{Child: ThroughputChild{Name: "/bin/true", Desc: "/bin/true"}},
		{Child: ThroughputChild{Name: "static true", Desc: "a static true", Static: true}},
		{Child: ThroughputChild{Name: "third"}, Skipped: "not on this machine"}}
	for i, n := range names {
		head := Row{Method: n, Floor: i == 0, Default: i == 1}
		if head.Floor {
			head.Ref = "the floor"
		}
		r.Latency = append(r.Latency, LatencyRow{Row: head, Summary: sum})
		r.Scale = append(r.Scale, ScaleRow{Row: head, Points: []ScalePoint{{Idle: 1, Summary: sum}}})
		for c := range 2 {
			r.Throughput[c].Rows = append(r.Throughput[c].Rows, ThroughputRow{Row: head, PerSecond: 1000, Rounds: []float64{1000}, SelfCPUNS: 5000})
		}
		r.Output = append(r.Output, OutputRow{Row: head, MBps: 1000, Rounds: []float64{1000}})
	}
	r.Latency = append(r.Latency, LatencyRow{Row: Row{Method: "node child_process (libuv)", RowStatus: RowStatus{Skipped: "not installed"}}})
	var md, plain bytes.Buffer
	PrintMarkdown(&md, r)
	PrintTables(&plain, r)
	for _, n := range names {
		assert.Equal(t, 5, strings.Count(md.String(), "\n| "+n+" | "), "%q: Markdown rows it is the first cell of", n)
		assert.Contains(t, plain.String(), n, "plain tables")
	}
	assert.Contains(t, md.String(), "Not measured: node child_process (libuv): skipped: not installed.", "skipped row listed")
	assert.Contains(t, md.String(), "\n- latency (lower is faster): ", "verdict list")
	assert.Contains(t, md.String(), "\n- output (higher is faster): ", "verdict list")
	assert.Contains(t, md.String(), "\nOutput: one child", "output table")
	for _, out := range []string{md.String(), plain.String()} {
		assert.Contains(t, out, "\nThroughput, /bin/true: spawn and reap /bin/true, ", "the first child's table")
		assert.Contains(t, out, "\nThroughput, static true: spawn and reap a static true, ", "the second child's table")
		assert.Contains(t, out, "\nThroughput, third: not run: not on this machine", "a child that did not run")
		assert.Contains(t, out, "throughput, static true (higher is faster): 1000 children/s = 1.00× the floor", "verdict per child")
	}
	assert.Contains(t, md.String(), "| method | children/s | rounds min–max | vs floor | vs exec.Cmd | parent CPU µs/child | vs floor's | "+
		"vs exec.Cmd's | children's CPU µs/child |", "throughput columns")
	assert.Contains(t, md.String(), "| childloop default (pidfd) | 1000 | 1000–1000 | 1.00x | n/a | 5 | 1.00x | n/a | 0 |", "throughput cells")
}
