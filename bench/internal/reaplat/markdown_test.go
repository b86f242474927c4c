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
	for i, n := range names {
		head := Row{Method: n, Floor: i == 0, Default: i == 1}
		r.Latency = append(r.Latency, LatencyRow{Row: head, Summary: sum})
		r.Scale = append(r.Scale, ScaleRow{Row: head, Points: []ScalePoint{{Idle: 1, Summary: sum}}})
		r.Throughput = append(r.Throughput, ThroughputRow{Row: head, PerSecond: 1000, Rounds: []float64{1000}})
		r.Output = append(r.Output, OutputRow{Row: head, MBps: 1000, Rounds: []float64{1000}})
	}
	r.Latency = append(r.Latency, LatencyRow{Row: Row{Method: "node child_process (libuv)", RowStatus: RowStatus{Skipped: "not installed"}}})
	var md, plain bytes.Buffer
	PrintMarkdown(&md, r)
	PrintTables(&plain, r)
	for _, n := range names {
		assert.Equal(t, 4, strings.Count(md.String(), "\n| "+n+" | "), "%q: Markdown rows it is the first cell of", n)
		assert.Contains(t, plain.String(), n, "plain tables")
	}
	assert.Contains(t, md.String(), "Not measured: node child_process (libuv): skipped: not installed.", "skipped row listed")
	assert.Contains(t, md.String(), "\n- latency (lower is faster): ", "verdict list")
	assert.Contains(t, md.String(), "\n- output (higher is faster): ", "verdict list")
	assert.Contains(t, md.String(), "\nOutput: one child", "output table")
}
