package reaplat

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// ticks125 labels a log axis at 1, 2 and 5 times each power of ten, with
// unlabelled minor ticks at the other integers: plot.LogTicks labels only
// powers of ten, which leaves a narrow range (100–300 µs) with one label.
type ticks125 struct{}

// Ticks implements plot.Ticker.
func (ticks125) Ticks(min, max float64) []plot.Tick {
	if min <= 0 || max <= min {
		return nil
	}
	var out []plot.Tick
	for e := math.Floor(math.Log10(min)); e <= math.Ceil(math.Log10(max)); e++ {
		base := math.Pow(10, e)
		for m := 1; m <= 9; m++ {
			v := float64(m) * base
			if v < min*0.999 || v > max*1.001 {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(v, 'f', -1, 64)
			}
			out = append(out, t)
		}
	}
	return out
}

// roundTicks labels a linear axis at the largest round step (1, 2 or 5
// times a power of ten) that gives at least four intervals, printed as
// integers: plot's default labels a 0–250 axis "0.00" and "250.00" only.
type roundTicks struct{}

// Ticks implements plot.Ticker.
func (roundTicks) Ticks(min, max float64) []plot.Tick {
	if max <= min {
		return nil
	}
	raw := (max - min) / 4
	step := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{5, 2, 1} {
		if m*step <= raw {
			step *= m
			break
		}
	}
	var out []plot.Tick
	for v := math.Ceil(min/step) * step; v <= max*1.0001; v += step {
		out = append(out, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	return out
}
