package reaplat

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/childloop/childloop/bench/internal/harness"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlanEstimates(t *testing.T) {
	p := &plan{}
	a, b := stepKey{SectionLatency, "a", 0}, stepKey{SectionLatency, "b", 0}
	p.add(a, 100, 100, time.Second)
	p.add(a, 50, 50, time.Second/2)
	p.add(b, 10, 10, 3*time.Second)
	assert.Equal(t, 4500*time.Millisecond, p.left(nil, 0, 0), "before any step: left, want the priors' 4.5s")
	s := p.next(a)
	p.done(s, 2*time.Second) // twice its prior
	// a's second step: a's measured 20 ms per unit × 50; b: its prior × 2.
	assert.Equal(t, 7*time.Second, p.left(nil, 0, 0), "after one step: left, want 1s + 6s")
	cur := p.next(a)
	// 25 of 50 done in 0.4 s: 0.4 s more, by the measured pace.
	assert.Equal(t, 6400*time.Millisecond, p.left(cur, 400*time.Millisecond, 25), "halfway through a: left, want 0.4s + 6s")
	p.drop(SectionLatency, "b")
	assert.Equal(t, 400*time.Millisecond, p.left(cur, 400*time.Millisecond, 25), "b dropped: left, want 0.4s")
	assert.Nil(t, p.next(b), "a dropped step was handed out")
	p.add(b, 10, 10, time.Second)
	p.drop(SectionLatency, "")
	assert.Nil(t, p.next(b), `drop(section, "") left a step`)

	dyn, static := stepKey{SectionThroughput, "a", 0}, stepKey{SectionThroughput, "a", 1}
	p.add(dyn, 10, 0, time.Second)
	p.add(static, 10, 0, time.Second)
	p.dropStep(static)
	assert.Nil(t, p.next(static), "a dropped step was handed out")
	assert.NotNil(t, p.next(dyn), "dropStep dropped the row's other child")
}

func TestNewPlanCoversEveryStep(t *testing.T) {
	opts, err := ParseOptions([]string{"-quick", "-rounds", "2"}, io.Discard)
	require.NoError(t, err)
	opts.Sections = append(opts.Sections, SectionOutput, SectionPty)
	lat := func(context.Context, harness.LatencyConfig) ([]harness.Sample, error) { return nil, nil }
	tp := func(context.Context, harness.ThroughputConfig) (harness.ThroughputRun, error) {
		return harness.ThroughputRun{}, nil
	}
	out := func(context.Context, harness.OutputConfig) (time.Duration, error) { return 0, nil }
	rows := []harness.Row{
		{Name: "scales", Scale: true, Latency: lat, Throughput: tp, Output: out},
		{Name: "latency only", Latency: lat},
		{Name: "output only", Output: out},
		{Name: "missing", Latency: lat, Throughput: tp, Output: out, Available: func() error { return harness.ErrNotInstalled }},
	}
	count := map[string]int{}
	for _, s := range newPlan(opts, rows).steps {
		count[s.key.section]++
		assert.Positive(t, s.prior, "step %+v: no cost", s)
		assert.Positive(t, s.units, "step %+v: no units", s)
	}
	levels := len(opts.Levels()) // -quick: 1 and 100
	want := map[string]int{SectionLatency: 2 * 2, stepGrow: levels, SectionScale: levels * 2, stepRelease: 1,
		SectionThroughput: 2 * throughputChildCount(), SectionOutput: 2 * 2,
		SectionPty: 3*opts.PtyRounds + 3} // its own three rows: the output rounds, then the terminals
	for k, n := range want {
		assert.Equal(t, n, count[k], "%s steps (all: %v)", k, count)
	}
}
