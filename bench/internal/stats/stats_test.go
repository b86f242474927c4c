package stats

import (
	"math"
	"testing"
	"time"
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
		if got := Percentile(data, c.p); got != c.want {
			t.Errorf("Percentile(sorted, %v) = %v, want %v", c.p, got, c.want)
		}
		if got := Percentile(shuffled, c.p); got != c.want {
			t.Errorf("Percentile(shuffled, %v) = %v, want %v", c.p, got, c.want)
		}
	}
	if shuffled[0] != 40 {
		t.Errorf("Percentile modified its input: %v", shuffled)
	}
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
		if got := Percentile(data, c.p); got != c.want {
			t.Errorf("Percentile(1..1000, %v) = %v, want %v", c.p, got, c.want)
		}
	}
}

func TestPercentileEdges(t *testing.T) {
	if got := Percentile(nil, 50); got != 0 {
		t.Errorf("Percentile(nil) = %v, want 0", got)
	}
	one := durs(7)
	for _, p := range []float64{0, 0.1, 50, 99.9, 100} {
		if got := Percentile(one, p); got != 7 {
			t.Errorf("Percentile([7], %v) = %v, want 7", p, got)
		}
	}
	for _, p := range []float64{-1, 100.5, math.NaN()} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Percentile(p=%v) did not panic", p)
				}
			}()
			Percentile(one, p)
		}()
	}
}

func TestSummarize(t *testing.T) {
	if s := Summarize(nil); s != (Summary{}) {
		t.Errorf("Summarize(nil) = %+v, want zero", s)
	}
	s := Summarize(durs(3))
	want := Summary{N: 1, Min: 3, P50: 3, P90: 3, P99: 3, P999: 3, Max: 3, Mean: 3}
	if s != want {
		t.Errorf("Summarize([3]) = %+v, want %+v", s, want)
	}
	s = Summarize(durs(4, 1, 3, 2))
	want = Summary{N: 4, Min: 1, P50: 2, P90: 4, P99: 4, P999: 4, Max: 4, Mean: 2}
	if s != want {
		t.Errorf("Summarize(1..4) = %+v, want %+v", s, want)
	}
}

func TestRatio(t *testing.T) {
	if r, ok := Ratio(300, 100); !ok || r != 3 {
		t.Errorf("Ratio(300, 100) = %v, %v; want 3, true", r, ok)
	}
	if r, ok := Ratio(0, 100); !ok || r != 0 {
		t.Errorf("Ratio(0, 100) = %v, %v; want 0, true", r, ok)
	}
	for _, floor := range []time.Duration{0, -5} {
		if r, ok := Ratio(300, floor); ok || r != 0 {
			t.Errorf("Ratio(300, %v) = %v, %v; want 0, false", floor, r, ok)
		}
	}
}

func TestCDF(t *testing.T) {
	x, f := CDF(durs(30, 10, 20, 40))
	wantX := durs(10, 20, 30, 40)
	wantF := []float64{0.25, 0.5, 0.75, 1}
	for i := range wantX {
		if x[i] != wantX[i] || f[i] != wantF[i] {
			t.Fatalf("CDF = %v %v, want %v %v", x, f, wantX, wantF)
		}
	}
	if x, f := CDF(nil); len(x) != 0 || len(f) != 0 {
		t.Errorf("CDF(nil) = %v %v, want empty", x, f)
	}
}
