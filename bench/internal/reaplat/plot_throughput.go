package reaplat

import (
	"fmt"
	"image/color"
	"slices"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// throughputRows are the throughput rows that have numbers, in legend
// order (default first), top to bottom.
func throughputRows(r *Result, order []Row) []ThroughputRow {
	var out []ThroughputRow
	for _, o := range order {
		for _, row := range r.Throughput {
			if row.Method == o.Method && ran(row.RowStatus) && row.PerSecond > 0 {
				out = append(out, row)
			}
		}
	}
	return out
}

// throughputPlots draws two horizontal bar charts over the same rows: the
// median round's children/s with the rounds' min–max as a whisker (row
// names on the axis), and the spawning process's CPU time per child (a
// peer's as its driver reports it). barWidth is the
// thickness of one bar.
func throughputPlots(r *Result, st map[string]rowStyle, order []Row, barWidth vg.Length) (rate, cpu *plot.Plot, err error) {
	rows := throughputRows(r, order)
	rate = newPanel(fmt.Sprintf("Throughput: spawn+reap /bin/true, %d in flight, %d per row (median round; whisker: min–max of %s)",
		r.Options.Concurrency, r.Options.Total, inRounds(r.Options.Rounds)), "children per second (higher is faster)", "")
	cpu = newPanel("CPU per child in the spawning process (getrusage)", "µs per child (lower is cheaper)", "")
	if len(rows) == 0 {
		rate.Title.Text += "\n(throughput section not run)"
		rate.X.Min, rate.X.Max, cpu.X.Min, cpu.X.Max = 0, 1, 0, 1
		return rate, cpu, nil
	}
	n := len(rows)
	names := make([]string, n)
	blank := make([]string, n)
	var whiskers plotter.XErrors
	var centres plotter.XYs
	var rateLabels, cpuLabels plotter.XYLabels
	for i, row := range rows {
		y := float64(n - 1 - i) // first row on top
		names[n-1-i] = row.Method
		s := st[row.Method]
		b, err := bar(row.PerSecond, y, s, row.Default, barWidth)
		if err != nil {
			return nil, nil, err
		}
		rate.Add(b)
		lo, hi := slices.Min(row.Rounds), slices.Max(row.Rounds)
		centres = append(centres, plotter.XY{X: row.PerSecond, Y: y})
		whiskers = append(whiskers, struct{ Low, High float64 }{row.PerSecond - lo, hi - row.PerSecond})
		rateLabels.XYs = append(rateLabels.XYs, plotter.XY{X: hi, Y: y})
		rateLabels.Labels = append(rateLabels.Labels, fmt.Sprintf(" %.0f/s", row.PerSecond))
		self := float64(row.SelfCPUNS) / float64(time.Microsecond)
		b, err = bar(self, y, s, row.Default, barWidth)
		if err != nil {
			return nil, nil, err
		}
		cpu.Add(b)
		cpuLabels.XYs = append(cpuLabels.XYs, plotter.XY{X: self, Y: y})
		cpuLabels.Labels = append(cpuLabels.Labels, fmt.Sprintf(" %.0f µs", self))
	}
	eb, err := plotter.NewXErrorBars(struct {
		plotter.XYs
		plotter.XErrors
	}{centres, whiskers})
	if err != nil {
		return nil, nil, err
	}
	eb.LineStyle.Width = vg.Points(1.2)
	rate.Add(eb)
	for _, pl := range []struct {
		p *plot.Plot
		l plotter.XYLabels
	}{{rate, rateLabels}, {cpu, cpuLabels}} {
		labels, err := plotter.NewLabels(pl.l)
		if err != nil {
			return nil, nil, err
		}
		for i := range labels.TextStyle {
			labels.TextStyle[i].Font.Size = vg.Points(9.5)
			labels.TextStyle[i].YAlign = draw.YCenter
		}
		pl.p.Add(labels)
		pl.p.X.Min = 0
		// Room on the right for the labels past the longest bar.
		_, xmax, _, _ := plotter.XYRange(pl.l)
		pl.p.X.Max = max(xmax*1.25, 1)
	}
	rate.NominalY(names...)
	cpu.NominalY(blank...)
	for _, p := range []*plot.Plot{rate, cpu} {
		p.Y.Tick.Label.Font.Size = vg.Points(10)
		p.Y.Padding = 0
		p.X.Tick.Marker = roundTicks{}
	}
	return rate, cpu, nil
}

// bar is one horizontal bar of length v at position y in the row's colour;
// the default row's bar has a thick outline.
func bar(v, y float64, s rowStyle, emphasise bool, width vg.Length) (*plotter.BarChart, error) {
	b, err := plotter.NewBarChart(plotter.Values{v}, width)
	if err != nil {
		return nil, err
	}
	b.Horizontal = true
	b.XMin = y
	b.Color = s.color
	b.LineStyle = draw.LineStyle{Color: color.Black, Width: vg.Points(0.5)}
	if emphasise {
		b.LineStyle.Width = vg.Points(2.5)
	}
	return b, nil
}
