package stats

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func durs(xs ...int) []time.Duration {
	out := make([]time.Duration, len(xs))
	for i, x := range xs {
		out[i] = time.Duration(x)
	}
	return out
}

func TestPercentileNearestRank(t *testing.T) {
	data := durs(15, 20, 35, 40, 50) // classic nearest-rank example, shuffled below
	shuffled := durs(40, 15, 50, 35, 20)
	cases := []struct {
		p    float64
		want time.Duration
	}{
		{0, 15}, {5, 15}, {20, 15}, {30, 20}, {40, 20}, {50, 35},
		{80, 40}, {90, 50}, {99.9, 50}, {100, 50},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, Percentile(data, c.p), "Percentile(sorted, %v)", c.p)
		assert.Equal(t, c.want, Percentile(shuffled, c.p), "Percentile(shuffled, %v)", c.p)
	}
	assert.Equal(t, time.Duration(40), shuffled[0], "Percentile modified its input: %v", shuffled)
}

func TestPercentileOneToHundred(t *testing.T) {
	var data []time.Duration
	for i := 1000; i >= 1; i-- {
		data = append(data, time.Duration(i))
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 500}, {90, 900}, {99, 990}, {99.9, 999}, {100, 1000}} {
		assert.Equal(t, c.want, Percentile(data, c.p), "Percentile(1..1000, %v)", c.p)
	}
}

func TestPercentileEdges(t *testing.T) {
	assert.Zero(t, Percentile(nil, 50), "Percentile(nil)")
	one := durs(7)
	for _, p := range []float64{0, 0.1, 50, 99.9, 100} {
		assert.Equal(t, time.Duration(7), Percentile(one, p), "Percentile([7], %v)", p)
	}
	for _, p := range []float64{-1, 100.5, math.NaN()} {
		assert.Panics(t, func() { Percentile(one, p) }, "Percentile(p=%v)", p)
	}
}

func TestSummarize(t *testing.T) {
	assert.Equal(t, Summary{}, Summarize(nil), "Summarize(nil)")
	assert.Equal(t, Summary{N: 1, Min: 3, P50: 3, P90: 3, P99: 3, P999: 3, Max: 3, Mean: 3}, Summarize(durs(3)), "Summarize([3])")
	assert.Equal(t, Summary{N: 4, Min: 1, P50: 2, P90: 4, P99: 4, P999: 4, Max: 4, Mean: 2}, Summarize(durs(4, 1, 3, 2)), "Summarize(1..4)")
}

func TestRatio(t *testing.T) {
	r, ok := Ratio(300, 100)
	assert.True(t, ok, "Ratio(300, 100)")
	assert.Equal(t, 3.0, r, "Ratio(300, 100)")
	r, ok = Ratio(0, 100)
	assert.True(t, ok, "Ratio(0, 100)")
	assert.Zero(t, r, "Ratio(0, 100)")
	for _, floor := range []time.Duration{0, -5} {
		r, ok := Ratio(300, floor)
		assert.False(t, ok, "Ratio(300, %v)", floor)
		assert.Zero(t, r, "Ratio(300, %v)", floor)
	}
}

func TestCDF(t *testing.T) {
	x, f := CDF(durs(30, 10, 20, 40))
	require.Equal(t, durs(10, 20, 30, 40), x, "CDF's samples")
	require.Equal(t, []float64{0.25, 0.5, 0.75, 1}, f, "CDF's fractions")
	x, f = CDF(nil)
	assert.Empty(t, x, "CDF(nil)")
	assert.Empty(t, f, "CDF(nil)")
}
