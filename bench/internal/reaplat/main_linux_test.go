package reaplat_test

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/childloop/childloop/bench/internal/harness"
	"github.com/childloop/childloop/bench/internal/methods"
	"github.com/childloop/childloop/bench/internal/reaplat"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMain lets the test binary be the many section's helper process.
func TestMain(m *testing.M) {
	if code, ok := reaplat.Helper(methods.Rows()); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestQuickEndToEnd runs the command's -quick mode as `go run` would and
// validates its tables, JSON and PNG, then checks no child is left.
func TestQuickEndToEnd(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := reaplat.Main(methods.Rows(), []string{"-quick", "-rounds", "2", "-output-mib", "4", "-json", "-out", dir,
		"-sections", "latency,scale,throughput,output,many"}, &stdout, &stderr)
	t.Logf("stdout:\n%s", stdout.String())
	require.Zero(t, code, "Main's exit status; stderr:\n%s", stderr.String())
	for _, want := range []string{"Latency:", "Scale:", "Throughput, /bin/true:", "Throughput, static true:", "Output:", "pidfd + epoll (floor)", "Ratios for childloop", "SMOKE TEST", "children alive at once: os/exec held",
		"output (higher is faster): childloop capture", "Many:", "wall time"} {
		assert.Contains(t, stdout.String(), want, "stdout")
	}
	assert.Contains(t, stderr.String(), "] latency round 1/2: ", "progress on stderr")

	b, err := os.ReadFile(filepath.Join(dir, reaplat.JSONFile))
	require.NoError(t, err)
	var res reaplat.Result
	require.NoError(t, json.Unmarshal(b, &res))
	checkResult(t, &res)
	checkMany(t, &res)

	for _, name := range []string{reaplat.LatencyPNGFile, reaplat.ScalePNGFile, reaplat.ThroughputPNGFile, reaplat.ManyPNGFile} {
		checkPNG(t, filepath.Join(dir, name))
	}

	assert.NoError(t, testutil.NoChildren())
}

// checkPNG checks that path is a PNG of a plausible size.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if assert.NoError(t, err, "PNG %s", path) {
		assert.GreaterOrEqual(t, cfg.Width, 200, "PNG width %s", path)
		assert.GreaterOrEqual(t, cfg.Height, 200, "PNG height %s", path)
	}
}

// A run of some sections writes only their plots: another run's plots of
// the other sections are left as they were, never drawn over with empty
// panels.
func TestSectionSubsetKeepsOtherPlots(t *testing.T) {
	dir := t.TempDir()
	others := []string{reaplat.ScalePNGFile, reaplat.ThroughputPNGFile, reaplat.ManyPNGFile}
	for _, name := range others {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("another run's "+name), 0o644))
	}
	var stdout, stderr bytes.Buffer
	code := reaplat.Main(methods.Rows(), []string{"-quick", "-n", "20", "-warmup", "2", "-out", dir,
		"-sections", "latency", "-methods", `^(pidfd \+ epoll \(floor\)|childloop default \(pidfd\))$`}, &stdout, &stderr)
	require.Zero(t, code, "Main's exit status; stderr:\n%s", stderr.String())
	checkPNG(t, filepath.Join(dir, reaplat.LatencyPNGFile))
	for _, name := range others {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.Equal(t, "another run's "+name, string(b), "%s was written by a latency-only run", name)
	}
	assert.NoError(t, testutil.NoChildren())
}

// checkResult validates a -quick result against the registry.
func checkResult(t *testing.T, res *reaplat.Result) {
	t.Helper()
	o := res.Options
	assert.True(t, o.Quick, "options %+v", o)
	assert.Equal(t, 100, o.N, "options %+v", o)
	assert.GreaterOrEqual(t, res.Env.GOMAXPROCS, 1, "env %+v", res.Env)
	assert.NotEmpty(t, res.Env.Kernel, "env %+v", res.Env)
	assert.NotEmpty(t, res.Env.GoVersion, "env %+v", res.Env)
	var rows, outputs []harness.Row
	for _, m := range methods.Rows() {
		if m.Latency != nil {
			rows = append(rows, m)
		}
		if m.Output != nil {
			outputs = append(outputs, m)
		}
	}
	require.Len(t, res.Latency, len(rows), "latency rows")
	for i, m := range rows {
		row := res.Latency[i]
		assert.Equal(t, m.Name, row.Method, "latency row %d", i)
		assert.Empty(t, row.Error, "%s: error", row.Method)
		if row.Skipped != "" {
			assert.True(t, strings.HasPrefix(row.Skipped, "not installed"), "%s: skipped for %q", row.Method, row.Skipped)
			continue
		}
		assert.Len(t, row.Samples, o.N, "%s: samples", row.Method)
		assert.Equal(t, o.N, row.Summary.N, "%s: summary %+v", row.Method, row.Summary)
		assert.Positive(t, row.Summary.P50, "%s: summary %+v", row.Method, row.Summary)
	}
	levels := o.Levels()
	assert.GreaterOrEqual(t, len(res.Scale), 3, "scale rows")
	for _, row := range res.Scale {
		if row.Skipped != "" {
			continue
		}
		if !assert.Len(t, row.Points, len(levels), "scale %s: points", row.Method) {
			continue
		}
		for i, p := range row.Points {
			assert.Equal(t, levels[i], p.Idle, "scale %s: point %d's idle children", row.Method, i)
			assert.Len(t, p.Samples, o.ScaleN, "scale %s: point %d's samples", row.Method, i)
		}
	}
	checkThroughput(t, res)
	require.Len(t, res.Output, len(outputs), "output rows")
	for i, m := range outputs {
		row := res.Output[i]
		assert.Equal(t, m.Name, row.Method, "output row %d", i)
		if row.Skipped != "" {
			continue
		}
		assert.Empty(t, row.Error, "output %+v", row)
		assert.Equal(t, 4, row.MiB, "output %+v", row)
		assert.Len(t, row.Rounds, 2, "output %+v", row)
		assert.Positive(t, row.MBps, "output %+v", row)
		assert.Positive(t, row.ElapsedNS, "output %+v", row)
	}
}

// checkThroughput validates the throughput section of a -quick result:
// one table per child program, each with every throughput row, and every
// row that ran with its rounds and the parent's CPU.
func checkThroughput(t *testing.T, res *reaplat.Result) {
	t.Helper()
	var want []string
	for _, m := range methods.Rows() {
		if m.Throughput != nil {
			want = append(want, m.Name)
		}
	}
	require.Len(t, res.Throughput, 2, "throughput tables: /bin/true and the static true")
	assert.Equal(t, "/bin/true", res.Throughput[0].Child.Name)
	assert.True(t, res.Throughput[1].Child.Static, "the second table's child: %+v", res.Throughput[1].Child)
	for _, tab := range res.Throughput {
		if tab.Skipped != "" {
			assert.Equal(t, "arm64", runtime.GOARCH, "%s skipped (%s) where it has a static true", tab.Child.Name, tab.Skipped)
			continue
		}
		require.Len(t, tab.Rows, len(want), "%s: throughput rows", tab.Child.Name)
		for i, row := range tab.Rows {
			assert.Equal(t, want[i], row.Method, "%s: row %d", tab.Child.Name, i)
			if row.Skipped != "" {
				continue
			}
			assert.Empty(t, row.Error, "throughput %s: %+v", tab.Child.Name, row)
			assert.Positive(t, row.ElapsedNS, "throughput %s: %+v", tab.Child.Name, row)
			assert.Positive(t, row.PerSecond, "throughput %s: %+v", tab.Child.Name, row)
			assert.Positive(t, row.SelfCPUNS, "throughput %s: %+v", tab.Child.Name, row)
			assert.Equal(t, res.Options.Total, row.Total, "throughput %s: %+v", tab.Child.Name, row)
			assert.Len(t, row.Rounds, 2, "throughput %s: %+v", tab.Child.Name, row)
		}
	}
}

// checkMany validates the many section of a -quick result: every point
// started, released and saw all its children (N is far below any limit).
func checkMany(t *testing.T, res *reaplat.Result) {
	t.Helper()
	var want []string
	for _, m := range methods.Rows() {
		if m.Many != nil || m.ManyPeer != nil {
			want = append(want, m.Name)
		}
	}
	require.Len(t, res.Many, len(want), "many rows")
	for i, row := range res.Many {
		assert.Equal(t, want[i], row.Method, "many row %d", i)
		if row.Skipped != "" {
			continue
		}
		assert.Empty(t, row.Error, "many %s", row.Method)
		require.Len(t, row.Points, len(res.Options.ManyN), "many %s: points", row.Method)
		for j, p := range row.Points {
			assert.Equal(t, res.Options.ManyN[j], p.N, "many %s", row.Method)
			assert.True(t, p.OK(), "many %s: %+v", row.Method, p)
			assert.Equal(t, p.N, p.Live, "many %s: live children in /proc", row.Method)
			assert.Zero(t, p.Orphans, "many %s", row.Method)
			assert.Positive(t, p.MaxThreads, "many %s", row.Method)
			assert.Positive(t, p.StartedRSSKB, "many %s", row.Method)
			assert.GreaterOrEqual(t, p.FDs, 3, "many %s", row.Method)
		}
	}
}

func TestBadFlags(t *testing.T) {
	var out bytes.Buffer
	assert.Equal(t, 2, reaplat.Main(methods.Rows(), []string{"-sections", "bogus"}, &out, &out), "Main(bad flags)")
	assert.Zero(t, reaplat.Main(methods.Rows(), []string{"-h"}, &out, &out), "Main(-h)")
}
