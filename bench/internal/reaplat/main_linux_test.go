package reaplat_test

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/childloop/childloop/bench/internal/methods"
	"github.com/childloop/childloop/bench/internal/reaplat"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestQuickEndToEnd runs the command's -quick mode as `go run` would and
// validates its tables, JSON and PNG, then checks no child is left.
func TestQuickEndToEnd(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := reaplat.Main(methods.Rows(), []string{"-quick", "-rounds", "2", "-json", "-out", dir}, &stdout, &stderr)
	t.Logf("stdout:\n%s", stdout.String())
	if code != 0 {
		t.Fatalf("Main = %d; stderr:\n%s", code, stderr.String())
	}
	for _, want := range []string{"Latency:", "Scale:", "Throughput:", "pidfd + epoll (floor)", "Verdict for childloop", "wall time"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if !strings.Contains(stderr.String(), "] latency round 1/2: ") {
		t.Errorf("no progress on stderr:\n%s", stderr.String())
	}

	b, err := os.ReadFile(filepath.Join(dir, reaplat.JSONFile))
	require.NoError(t, err)
	var res reaplat.Result
	require.NoError(t, json.Unmarshal(b, &res))
	checkResult(t, &res)

	f, err := os.Open(filepath.Join(dir, reaplat.PNGFile))
	require.NoError(t, err)
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	assert.NoError(t, err, "PNG")
	assert.GreaterOrEqual(t, cfg.Width, 200, "PNG width")
	assert.GreaterOrEqual(t, cfg.Height, 200, "PNG height")

	assert.NoError(t, testutil.NoChildren())
}

// checkResult validates a -quick result against the registry.
func checkResult(t *testing.T, res *reaplat.Result) {
	t.Helper()
	o := res.Options
	if !o.Quick || o.N != 100 || res.Env.GOMAXPROCS < 1 || res.Env.Kernel == "" || res.Env.GoVersion == "" {
		t.Errorf("options/env: %+v %+v", o, res.Env)
	}
	rows := methods.Rows()
	if len(res.Latency) != len(rows) {
		t.Fatalf("%d latency rows, want %d", len(res.Latency), len(rows))
	}
	for i, m := range rows {
		row := res.Latency[i]
		if row.Method != m.Name {
			t.Errorf("latency row %d is %q, want %q", i, row.Method, m.Name)
		}
		if row.Error != "" {
			t.Errorf("%s: error %s", row.Method, row.Error)
		}
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
	assert.GreaterOrEqual(t, len(res.Throughput), 4, "throughput rows")
	for _, row := range res.Throughput {
		if row.Skipped != "" {
			continue
		}
		assert.Empty(t, row.Error, "throughput %+v", row)
		assert.Positive(t, row.ElapsedNS, "throughput %+v", row)
		assert.Positive(t, row.PerSecond, "throughput %+v", row)
		assert.Equal(t, o.Total, row.Total, "throughput %+v", row)
		assert.Len(t, row.Rounds, 2, "throughput %+v", row)
	}
}

func TestBadFlags(t *testing.T) {
	var out bytes.Buffer
	if code := reaplat.Main(methods.Rows(), []string{"-sections", "bogus"}, &out, &out); code != 2 {
		t.Errorf("Main(bad flags) = %d, want 2", code)
	}
	if code := reaplat.Main(methods.Rows(), []string{"-h"}, &out, &out); code != 0 {
		t.Errorf("Main(-h) = %d, want 0", code)
	}
}
