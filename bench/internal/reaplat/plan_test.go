package reaplat

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/childloop/childloop/bench/internal/harness"
)

func TestPlanEstimates(t *testing.T) {
	p := &plan{}
	a, b := stepKey{SectionLatency, "a", 0}, stepKey{SectionLatency, "b", 0}
	p.add(a, 100, 100, time.Second)
	p.add(a, 50, 50, time.Second/2)
	p.add(b, 10, 10, 3*time.Second)
	if got := p.left(nil, 0, 0); got != 4500*time.Millisecond {
		t.Errorf("before any step: left = %v, want the priors' 4.5s", got)
	}
	s := p.next(a)
	p.done(s, 2*time.Second) // twice its prior
	// a's second step: a's measured 20 ms per unit × 50; b: its prior × 2.
	if got := p.left(nil, 0, 0); got != 7*time.Second {
		t.Errorf("after one step: left = %v, want 1s + 6s", got)
	}
	cur := p.next(a)
	// 25 of 50 done in 0.4 s: 0.4 s more, by the measured pace.
	if got := p.left(cur, 400*time.Millisecond, 25); got != 6400*time.Millisecond {
		t.Errorf("halfway through a: left = %v, want 0.4s + 6s", got)
	}
	p.drop(SectionLatency, "b")
	if got := p.left(cur, 400*time.Millisecond, 25); got != 400*time.Millisecond {
		t.Errorf("b dropped: left = %v, want 0.4s", got)
	}
	if p.next(b) != nil {
		t.Error("a dropped step was handed out")
	}
	p.add(b, 10, 10, time.Second)
	p.drop(SectionLatency, "")
	if p.next(b) != nil {
		t.Error(`drop(section, "") left a step`)
	}
}

func TestNewPlanCoversEveryStep(t *testing.T) {
	opts, err := ParseOptions([]string{"-quick", "-rounds", "2"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	tp := func(context.Context, harness.ThroughputConfig) (time.Duration, error) { return 0, nil }
	rows := []harness.Row{
		{Name: "scales", Scale: true, Throughput: tp},
		{Name: "latency only"},
		{Name: "missing", Throughput: tp, Available: func() error { return harness.ErrNotInstalled }},
	}
	count := map[string]int{}
	for _, s := range newPlan(opts, rows).steps {
		count[s.key.section]++
		if s.prior <= 0 || s.units <= 0 {
			t.Errorf("step %+v: no cost", s)
		}
	}
	levels := len(opts.Levels()) // -quick: 1 and 100
	want := map[string]int{SectionLatency: 2 * 2, stepGrow: levels, SectionScale: levels * 2, stepRelease: 1, SectionThroughput: 2}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%d %s steps, want %d (all: %v)", count[k], k, n, count)
		}
	}
}
