package reaplat

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/childloop/childloop/bench/internal/stats"
)

// latencyRange is the CDF's x range: from the fastest exit of any row to
// the largest p99 of any row. Every curve has reached 0.99 at the right
// edge, and past it the curves only creep towards 1 over a tail that can
// be a thousand times longer than the body (one 175 ms exit stretched the
// axis of a full run to 50–175000 µs and squeezed every difference into
// its first fifth). The tails are in the table.
func latencyRange(r *Result) (lo, hi time.Duration, ok bool) {
	for _, row := range r.Latency {
		if row.Summary.N == 0 {
			continue
		}
		if !ok || row.Summary.Min < lo {
			lo = row.Summary.Min
		}
		hi = max(hi, row.Summary.P99)
		ok = true
	}
	return lo, hi, ok
}

// latencyPlot draws one CDF per row; legend receives the entries, default
// row first.
func latencyPlot(r *Result, st map[string]rowStyle, order []Row, legend *plot.Legend) (*plot.Plot, error) {
	p := newPanel(fmt.Sprintf("Reap latency CDF: close(stdin) → exit noticed, %d exits per row\n%s",
		r.Options.N, r.Env), "latency (µs, log scale; from the fastest exit to the slowest row's p99 — the tails are in the table)",
		"fraction of exits ≤ x")
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = ticks125{}
	p.Y.Min, p.Y.Max = 0, 1
	p.Y.Tick.Marker = tenths{}
	lo, hi, ok := latencyRange(r)
	if !ok {
		p.Title.Text += "\n(latency section not run)"
		p.X.Min, p.X.Max = 1, 10
		return p, nil
	}
	lines := map[string]*plotter.Line{}
	marks := map[string]*plotter.Scatter{}
	for _, row := range r.Latency {
		if len(row.Samples) == 0 {
			continue
		}
		xs, fs := stats.CDF(durations(row.Samples))
		pts := make(plotter.XYs, len(xs))
		for i := range xs {
			pts[i] = plotter.XY{X: µs(xs[i]), Y: fs[i]}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, err
		}
		l.LineStyle = st[row.Method].line()
		lines[row.Method] = l
		// The p50 and p90 marked in the row's own shape: rows whose
		// colours are near each other still differ there.
		var at plotter.XYs
		for _, q := range []float64{0.5, 0.9} {
			if i := slices.IndexFunc(fs, func(f float64) bool { return f >= q }); i >= 0 {
				at = append(at, pts[i])
			}
		}
		if m, err := plotter.NewScatter(at); err == nil {
			m.GlyphStyle = draw.GlyphStyle{Color: st[row.Method].color, Shape: st[row.Method].glyph, Radius: vg.Points(4.5)}
			marks[row.Method] = m
		}
	}
	// Draw the default row last, on top of the others.
	for i := len(order) - 1; i >= 0; i-- {
		if l, ok := lines[order[i].Method]; ok {
			p.Add(l)
		}
		if m, ok := marks[order[i].Method]; ok {
			p.Add(m)
		}
	}
	// After Add, which widens the axes to all the data.
	p.X.Min, p.X.Max = µs(lo)*0.95, µs(hi)*1.05
	for _, o := range order {
		l, ok := lines[o.Method]
		if !ok {
			continue
		}
		s := latencySummary(r, o.Method)
		entry := []plot.Thumbnailer{l}
		if m, ok := marks[o.Method]; ok {
			entry = append(entry, m)
		}
		legend.Add(fmt.Sprintf("%s — p50 %s, p99 %s µs", o.Method, us(s.P50), us(s.P99)), entry...)
	}
	return p, nil
}

// latencySummary is the latency summary of the named row.
func latencySummary(r *Result, name string) stats.Summary {
	for _, row := range r.Latency {
		if row.Method == name {
			return row.Summary
		}
	}
	return stats.Summary{}
}

// tenths labels the CDF's fraction axis at every 0.1: plot's default
// labels only 0, 0.5 and 1 on it.
type tenths struct{}

// Ticks implements plot.Ticker.
func (tenths) Ticks(min, max float64) []plot.Tick {
	var out []plot.Tick
	for i := 0; i <= 10; i++ {
		v := float64(i) / 10
		if v >= min-1e-9 && v <= max+1e-9 {
			out = append(out, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', 1, 64)})
		}
	}
	return out
}
