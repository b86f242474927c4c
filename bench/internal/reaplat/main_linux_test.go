package reaplat_test

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/childloop/childloop/bench/internal/child"
	"github.com/childloop/childloop/bench/internal/methods"
	"github.com/childloop/childloop/bench/internal/reaplat"
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
	if err != nil {
		t.Fatal(err)
	}
	var res reaplat.Result
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	checkResult(t, &res)

	f, err := os.Open(filepath.Join(dir, reaplat.PNGFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width < 200 || cfg.Height < 200 {
		t.Errorf("PNG: %+v, %v", cfg, err)
	}

	if err := child.NoChildren(); err != nil {
		t.Error(err)
	}
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
			if !strings.HasPrefix(row.Skipped, "not installed") {
				t.Errorf("%s: skipped for %q", row.Method, row.Skipped)
			}
			continue
		}
		if len(row.Samples) != o.N || row.Summary.N != o.N || row.Summary.P50 <= 0 {
			t.Errorf("%s: %d samples, summary %+v; want %d", row.Method, len(row.Samples), row.Summary, o.N)
		}
	}
	levels := o.Levels()
	if len(res.Scale) < 3 {
		t.Errorf("%d scale rows, want ≥ 3", len(res.Scale))
	}
	for _, row := range res.Scale {
		if row.Skipped != "" {
			continue
		}
		if len(row.Points) != len(levels) {
			t.Errorf("scale %s: %d points, want %d", row.Method, len(row.Points), len(levels))
			continue
		}
		for i, p := range row.Points {
			if p.Idle != levels[i] || len(p.Samples) != o.ScaleN {
				t.Errorf("scale %s: point %d is %d idle with %d samples", row.Method, i, p.Idle, len(p.Samples))
			}
		}
	}
	if len(res.Throughput) < 4 {
		t.Errorf("%d throughput rows, want ≥ 4", len(res.Throughput))
	}
	for _, row := range res.Throughput {
		if row.Skipped == "" && (row.Error != "" || row.ElapsedNS <= 0 || row.PerSecond <= 0 || row.Total != o.Total || len(row.Rounds) != 2) {
			t.Errorf("throughput %+v", row)
		}
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
