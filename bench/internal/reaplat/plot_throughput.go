package reaplat

import (
	"fmt"
	"image/color"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The throughput band: two horizontal bar charts over the same rows, the
// children/s of the median round with the rounds' min–max as a whisker
// (row names on the axis), and the parent's CPU time per child. Each row
// has one bar per child program that ran, grouped: /bin/true above in the
// row's colour, the static true below in a lighter tint of it.

// throughputTables are the tables that ran.
func throughputTables(r *Result) []ThroughputTable {
	var out []ThroughputTable
	for _, t := range r.Throughput {
		if t.Skipped == "" {
			out = append(out, t)
		}
	}
	return out
}

// throughputNames are the rows that have numbers in some table, in legend
// order (default first), top to bottom.
func throughputNames(r *Result, order []Row) []string {
	var out []string
	for _, o := range order {
		for _, t := range throughputTables(r) {
			i := slices.IndexFunc(t.Rows, func(row ThroughputRow) bool { return row.Method == o.Method })
			if i >= 0 && ran(t.Rows[i].RowStatus) && t.Rows[i].PerSecond > 0 && !slices.Contains(out, o.Method) {
				out = append(out, o.Method)
			}
		}
	}
	return out
}

// barSpread is how far from its row's axis position each of two grouped
// bars is centred, in rows.
const barSpread = 0.2

// throughputPlots draws the two charts; barWidth is the thickness of one
// bar.
func throughputPlots(r *Result, st map[string]rowStyle, order []Row, barWidth vg.Length) (rate, cpu *plot.Plot, err error) {
	tables := throughputTables(r)
	names := throughputNames(r, order)
	// Both titles have as many lines, so that the two panels' rows line
	// up.
	rateTitle := []string{fmt.Sprintf("Throughput: spawn+reap, %d in flight, %d per row and child (median round; whisker: min–max of %s)",
		r.Options.Concurrency, r.Options.Total, inRounds(r.Options.Rounds))}
	cpuTitle := []string{"Parent CPU per child (getrusage: this process,", "or an out-of-process row's own report)"}
	if len(tables) > 1 {
		var kinds []string
		for i, t := range tables {
			rateTitle = append(rateTitle, fmt.Sprintf("%s: %s", [...]string{"upper bars", "lower, lighter bars"}[min(i, 1)], t.Child.Desc))
			kinds = append(kinds, t.Child.Name)
		}
		cpuTitle = append(cpuTitle, "upper and lower bars: "+strings.Join(kinds, ", "))
	} else if len(tables) == 1 {
		rateTitle = append(rateTitle, "child: "+tables[0].Child.Desc)
	}
	rate = barPanel(strings.Join(rateTitle, "\n"), "children per second (higher is faster)")
	cpu = barPanel(strings.Join(cpuTitle, "\n"), "µs per child (lower is cheaper)")
	if len(names) == 0 {
		rate.Title.Text += "\n(throughput section not run)"
		rate.X.Min, rate.X.Max, cpu.X.Min, cpu.X.Max = 0, 1, 0, 1
		return rate, cpu, nil
	}
	n := len(names)
	var whiskers plotter.XErrors
	var centres plotter.XYs
	var rateLabels, cpuLabels plotter.XYLabels
	for c, t := range tables {
		shift := 0.0
		if len(tables) > 1 {
			shift = barSpread * float64(1-2*min(c, 1)) // upper, then lower
		}
		for i, name := range names {
			k := slices.IndexFunc(t.Rows, func(row ThroughputRow) bool { return row.Method == name })
			if k < 0 || !ran(t.Rows[k].RowStatus) || t.Rows[k].PerSecond <= 0 {
				continue
			}
			row := t.Rows[k]
			y := float64(n-1-i) + shift // first row on top
			s := st[row.Method]
			if c > 0 {
				// The second child program: the row's colour, lighter,
				// outlined in the full colour with dashes.
				s.dashes = []vg.Length{vg.Points(3), vg.Points(2)}
				s.outline = s.color
				s.color = tint(s.color)
			}
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
	}
	eb, err := plotter.NewXErrorBars(struct {
		plotter.XYs
		plotter.XErrors
	}{centres, whiskers})
	if err != nil {
		return nil, nil, err
	}
	eb.LineStyle.Width = vg.Points(1.2)
	eb.CapWidth = barWidth * 0.6
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
	axis := make([]string, n)
	for i, name := range names {
		axis[n-1-i] = name
	}
	rate.NominalY(axis...)
	cpu.NominalY(make([]string, n)...)
	for _, p := range []*plot.Plot{rate, cpu} {
		p.Y.Tick.Label.Font.Size = vg.Points(10)
		p.Y.Padding = 0
		p.X.Tick.Marker = roundTicks{}
	}
	return rate, cpu, nil
}

// barPanel is a panel of horizontal bars: its grid has vertical lines
// only, which would otherwise run between a row's two bars.
func barPanel(title, x string) *plot.Plot {
	p := styledPanel(title, x, "")
	g := plotter.NewGrid()
	g.Horizontal.Color = nil
	p.Add(g)
	return p
}

// tint is c mixed with 60% white: the second child's bars.
func tint(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	mix := func(v uint32) uint8 { return uint8((2*(v>>8) + 3*255) / 5) }
	return color.RGBA{mix(r), mix(g), mix(b), 0xff}
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
	if s.outline != nil {
		b.LineStyle = draw.LineStyle{Color: s.outline, Width: vg.Points(1.5), Dashes: s.dashes}
	}
	if emphasise {
		b.LineStyle.Width = vg.Points(2.5)
	}
	return b, nil
}
