package reaplat

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// scalePlot draws p50 (solid, with the row's glyph) and p99 (thin, dashed)
// against the number of idle children, in the rows' colours; legend
// receives one entry per row, default first, and a key to the two lines.
func scalePlot(r *Result, st map[string]rowStyle, order []Row, legend *plot.Legend) (*plot.Plot, error) {
	p := newPanel(fmt.Sprintf("Scale: latency of one exit next to N idle children (p50 solid with marks, p99 dashed; %d exits per point)",
		r.Options.ScaleN), "idle live children (log scale)", "latency (µs, log scale)")
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker = ticks125{}
	p.Y.Tick.Marker = ticks125{}
	type drawn struct {
		l50 *plotter.Line
		s50 *plotter.Scatter
	}
	rows := map[string]drawn{}
	var p99s, p50s []plot.Plotter
	for _, row := range r.Scale {
		if len(row.Points) == 0 {
			continue
		}
		p50 := make(plotter.XYs, len(row.Points))
		p99 := make(plotter.XYs, len(row.Points))
		for i, pt := range row.Points {
			p50[i] = plotter.XY{X: float64(pt.Idle), Y: µs(pt.Summary.P50)}
			p99[i] = plotter.XY{X: float64(pt.Idle), Y: µs(pt.Summary.P99)}
		}
		l50, s50, err := plotter.NewLinePoints(p50)
		if err != nil {
			return nil, err
		}
		l99, err := plotter.NewLine(p99)
		if err != nil {
			return nil, err
		}
		s := st[row.Method]
		l50.LineStyle = draw.LineStyle{Color: s.color, Width: s.width + vg.Points(0.5)}
		s50.GlyphStyle = draw.GlyphStyle{Color: s.color, Shape: s.glyph, Radius: vg.Points(3.5)}
		l99.LineStyle = draw.LineStyle{Color: s.color, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}
		if row.Default {
			l99.Width = vg.Points(1.8)
		}
		p99s = append(p99s, l99)
		p50s = append(p50s, l50, s50)
		rows[row.Method] = drawn{l50, s50}
	}
	if len(rows) == 0 {
		p.Title.Text += "\n(scale section not run)"
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 1, 10, 1, 10
		return p, nil
	}
	p.Add(p99s...) // under every p50
	p.Add(p50s...)
	for _, o := range order {
		if d, ok := rows[o.Method]; ok {
			legend.Add(o.Method, d.l50, d.s50)
		}
	}
	grey := color.Gray{0x60}
	key50 := &plotter.Line{LineStyle: draw.LineStyle{Color: grey, Width: vg.Points(2)}}
	key99 := &plotter.Line{LineStyle: draw.LineStyle{Color: grey, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}}
	legend.Add("") // a gap between the rows and the key
	legend.Add("p50 of any row: solid, with marks", key50)
	legend.Add("p99 of any row: dashed", key99)
	return p, nil
}
