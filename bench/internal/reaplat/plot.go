package reaplat

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/childloop/childloop/bench/internal/stats"
)

// writePlot draws the latency CDF (top) and the scale curve (bottom) into
// dir/PNGFile and returns the path. A section that did not run leaves its
// panel with a note.
func writePlot(dir string, r *Result) (string, error) {
	colors := methodColors(r)
	top, err := latencyPlot(r, colors)
	if err != nil {
		return "", err
	}
	bottom, err := scalePlot(r, colors)
	if err != nil {
		return "", err
	}
	const w, h = 12 * vg.Inch, 13 * vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110))
	dc := draw.New(img)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: vg.Points(8), PadBottom: vg.Points(8),
		PadLeft: vg.Points(8), PadRight: vg.Points(16), PadY: vg.Points(24)}
	top.Draw(tiles.At(dc, 0, 0))
	bottom.Draw(tiles.At(dc, 0, 1))
	path := filepath.Join(dir, PNGFile)
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}

// methodColors gives each method one colour across both panels.
func methodColors(r *Result) map[string]color.Color {
	m := map[string]color.Color{}
	add := func(name string) {
		if _, ok := m[name]; !ok {
			m[name] = plotutil.Color(len(m))
		}
	}
	for _, row := range r.Latency {
		add(row.Method)
	}
	for _, row := range r.Scale {
		add(row.Method)
	}
	return m
}

// newPanel returns a plot with the common styling.
func newPanel(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.X.Label.TextStyle.Font.Size = vg.Points(11)
	p.Y.Label.TextStyle.Font.Size = vg.Points(11)
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	p.Add(plotter.NewGrid())
	return p
}

// µs converts a duration to float microseconds (at least 0.1 for log axes).
func µs(d time.Duration) float64 {
	return max(float64(d)/float64(time.Microsecond), 0.1)
}

func latencyPlot(r *Result, colors map[string]color.Color) (*plot.Plot, error) {
	p := newPanel(fmt.Sprintf("Reap latency CDF: close(stdin) → exit noticed, %d exits per method\n%s",
		r.Options.N, r.Env), "latency (µs, log scale)", "fraction of exits ≤ x")
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = ticks125{}
	p.Y.Min, p.Y.Max = 0, 1
	p.Legend.Top, p.Legend.Left = false, false
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(6), vg.Points(6)
	drawn := 0
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
		l.Color = colors[row.Method]
		l.Width = vg.Points(1.6)
		if row.Floor {
			l.Width = vg.Points(2.6)
		}
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("%s (p50 %s µs)", row.Method, us(row.Summary.P50)), l)
		drawn++
	}
	if drawn == 0 {
		p.Title.Text += "\n(latency section not run)"
		p.X.Min, p.X.Max = 1, 10
	}
	return p, nil
}

func scalePlot(r *Result, colors map[string]color.Color) (*plot.Plot, error) {
	p := newPanel(fmt.Sprintf("Scale: latency of one exit next to N idle children (p50 solid, p99 dashed; %d exits per point)",
		r.Options.ScaleN), "idle live children (log scale)", "latency (µs, log scale)")
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker = ticks125{}
	p.Y.Tick.Marker = ticks125{}
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(6), -vg.Points(6)
	drawn := 0
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
		c := colors[row.Method]
		l50.Color, s50.Color, l99.Color = c, c, c
		l50.Width = vg.Points(2)
		s50.Shape = draw.CircleGlyph{}
		s50.Radius = vg.Points(3)
		l99.Width = vg.Points(1.2)
		l99.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		p.Add(l50, s50, l99)
		p.Legend.Add(row.Method, l50, s50)
		drawn++
	}
	if drawn == 0 {
		p.Title.Text += "\n(scale section not run)"
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 1, 10, 1, 10
	}
	return p, nil
}
