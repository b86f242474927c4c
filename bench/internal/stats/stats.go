// Package stats summarises latency samples for the reaplat benchmarks.
//
// Percentiles use the nearest-rank definition: for n sorted samples and
// 0 < p ≤ 100 the p-th percentile is the sample at 1-based rank ⌈p/100 · n⌉.
// It always returns a value that was actually measured (no interpolation),
// so p100 is the maximum and p50 of {1, 2, 3, 4} is 2. p = 0 gives the
// minimum. With no samples every statistic is 0 and Summary.N is 0.
package stats

import (
	"math"
	"slices"
	"time"
)

// Percentile returns the p-th percentile (nearest rank, see the package
// comment) of samples, which need not be sorted; samples is not modified.
// It returns 0 for an empty slice and panics if p is outside [0, 100].
func Percentile(samples []time.Duration, p float64) time.Duration {
	if p < 0 || p > 100 || math.IsNaN(p) {
		panic("stats: percentile outside [0, 100]")
	}
	if len(samples) == 0 {
		return 0
	}
	sorted := slices.Clone(samples)
	slices.Sort(sorted)
	return percentileSorted(sorted, p)
}

// percentileSorted is Percentile on an already sorted, non-empty slice.
func percentileSorted(sorted []time.Duration, p float64) time.Duration {
	// The tiny epsilon absorbs binary rounding (99.9/100·1000 is
	// 999.0000000000001 in float64) so exact ranks stay exact.
	rank := int(math.Ceil(p*float64(len(sorted))/100 - 1e-9))
	if rank < 1 {
		rank = 1
	}
	if rank > len(sorted) {
		rank = len(sorted)
	}
	return sorted[rank-1]
}

// Summary is the fixed set of statistics printed for one row.
type Summary struct {
	N    int           `json:"n"`
	Min  time.Duration `json:"min_ns"`
	P50  time.Duration `json:"p50_ns"`
	P90  time.Duration `json:"p90_ns"`
	P99  time.Duration `json:"p99_ns"`
	P999 time.Duration `json:"p999_ns"`
	Max  time.Duration `json:"max_ns"`
	Mean time.Duration `json:"mean_ns"`
}

// Summarize computes a Summary of samples (unsorted; not modified).
func Summarize(samples []time.Duration) Summary {
	if len(samples) == 0 {
		return Summary{}
	}
	sorted := slices.Clone(samples)
	slices.Sort(sorted)
	var sum float64
	for _, s := range sorted {
		sum += float64(s)
	}
	return Summary{
		N:    len(sorted),
		Min:  sorted[0],
		P50:  percentileSorted(sorted, 50),
		P90:  percentileSorted(sorted, 90),
		P99:  percentileSorted(sorted, 99),
		P999: percentileSorted(sorted, 99.9),
		Max:  sorted[len(sorted)-1],
		Mean: time.Duration(sum / float64(len(sorted))),
	}
}

// Ratio returns x / floor and true, or 0 and false when floor is not
// positive (no floor measured, or a degenerate one): callers print "n/a".
func Ratio(x, floor time.Duration) (float64, bool) {
	if floor <= 0 {
		return 0, false
	}
	return float64(x) / float64(floor), true
}

// CDF returns the sorted samples and, for each, the fraction of samples
// less than or equal to it (i/n for the i-th of n, 1-based): the points of
// the empirical cumulative distribution function.
func CDF(samples []time.Duration) (sorted []time.Duration, frac []float64) {
	sorted = slices.Clone(samples)
	slices.Sort(sorted)
	frac = make([]float64, len(sorted))
	for i := range sorted {
		frac[i] = float64(i+1) / float64(len(sorted))
	}
	return sorted, frac
}
