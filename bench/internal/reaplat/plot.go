package reaplat

import (
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// One PNG per section that ran, so that a run of some sections never
// draws empty panels over another run's plot of the others. Legends sit
// beside the panels, not over the curves: with 15 rows any corner of the
// CDF would hide some of them.
const (
	pageW       = 16 * vg.Inch
	plotShare   = 0.60 // of the width, for the panels; the rest is legends
	latencyH    = 7.6 * vg.Inch
	scaleH      = 5.3 * vg.Inch
	throughputH = 9 * vg.Inch // two bars per row, one per child program
	pad         = 10          // points
)

// Files written into Options.OutDir, one per section that ran.
const (
	LatencyPNGFile    = "reaplat-latency.png"
	ScalePNGFile      = "reaplat-scale.png"
	ThroughputPNGFile = "reaplat-throughput.png"
)

// writePlots draws the plot of each section that ran and returns the
// paths written.
func writePlots(dir string, r *Result) ([]string, error) {
	st, order := styles(r)
	var paths []string
	add := func(path string, err error) error {
		if err == nil {
			paths = append(paths, path)
		}
		return err
	}
	if len(r.Latency) > 0 {
		if err := add(writeLatencyPlot(dir, r, st, order)); err != nil {
			return paths, err
		}
	}
	if len(r.Scale) > 0 {
		if err := add(writeScalePlot(dir, r, st, order)); err != nil {
			return paths, err
		}
	}
	if len(r.Throughput) > 0 {
		if err := add(writeThroughputPlot(dir, r, st, order)); err != nil {
			return paths, err
		}
	}
	if len(r.Many) > 0 {
		if err := add(writeManyPlot(dir, r, st)); err != nil {
			return paths, err
		}
	}
	if len(r.Pty) > 0 {
		if err := add(writePtyPlot(dir, r, st, order)); err != nil {
			return paths, err
		}
	}
	return paths, nil
}

// newPage returns a white canvas of w × h and a function cropping it to
// a band between x fractions left and right of the width.
func newPage(w, h vg.Length) (*vgimg.Canvas, func(left, right float64) draw.Canvas) {
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110))
	dc := draw.New(img)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	p := vg.Points(pad)
	return img, func(left, right float64) draw.Canvas {
		return draw.Crop(dc, w*vg.Length(left)+p, w*vg.Length(right)-w-p, p, -p)
	}
}

func writeLatencyPlot(dir string, r *Result, st map[string]rowStyle, order []Row) (string, error) {
	legend := newLegend()
	lat, err := latencyPlot(r, st, order, &legend)
	if err != nil {
		return "", err
	}
	img, band := newPage(pageW, latencyH)
	lat.Draw(band(0, plotShare))
	lc := band(plotShare, 1)
	below := drawLegend(lc, legend)
	drawNote(lc, below-vg.Points(24), []string{
		"The floor row is raw pidfd + epoll in Go, the reference of every ratio.",
		"Marks on each curve: its p50 and p90, in the row's own shape."})
	return writePNG(img, filepath.Join(dir, LatencyPNGFile))
}

func writeScalePlot(dir string, r *Result, st map[string]rowStyle, order []Row) (string, error) {
	legend := newLegend()
	scale, err := scalePlot(r, st, order, &legend)
	if err != nil {
		return "", err
	}
	img, band := newPage(pageW, scaleH)
	scale.Draw(band(0, plotShare))
	drawLegend(band(plotShare, 1), legend)
	return writePNG(img, filepath.Join(dir, ScalePNGFile))
}

func writeThroughputPlot(dir string, r *Result, st map[string]rowStyle, order []Row) (string, error) {
	// One slot per row in what is left of the page after its title (up
	// to four lines) and axis: one bar takes 60% of it, or two 38% each.
	slot := (throughputH - vg.Points(130)) / vg.Length(max(len(throughputNames(r, order)), 1))
	width := slot * 0.6
	if len(throughputTables(r)) > 1 {
		width = slot * 2 * (barSpread - 0.01)
	}
	rate, cpu, err := throughputPlots(r, st, order, width)
	if err != nil {
		return "", err
	}
	img, band := newPage(pageW, throughputH)
	rate.Draw(band(0, plotShare))
	cpu.Draw(band(plotShare, 1))
	return writePNG(img, filepath.Join(dir, ThroughputPNGFile))
}

// writePNG writes img to path as a PNG and returns path.
func writePNG(img *vgimg.Canvas, path string) (string, error) {
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

// drawLegend draws l at the top left of c, below a panel title's height so
// that its first entry lines up with the top of the panel's data area, and
// returns the y of its bottom edge.
func drawLegend(c draw.Canvas, l plot.Legend) vg.Length {
	l.YOffs = -vg.Points(40)
	l.XOffs = vg.Points(8)
	l.Draw(c)
	return l.Rectangle(c).Min.Y + l.YOffs
}

// drawNote writes paragraphs into c from top down, each wrapped to c's
// width and indented after its first line; the paragraphs after the first
// two (the verdict's lines) are indented as a list.
func drawNote(c draw.Canvas, top vg.Length, paragraphs []string) {
	sty := newLegend().TextStyle
	sty.YAlign = draw.YTop
	x0 := c.Min.X + vg.Points(8)
	width := c.Max.X - x0
	y := top
	lineH := sty.Font.Size * 1.35
	for i, para := range paragraphs {
		indent := vg.Length(0)
		if i > 1 {
			indent = vg.Points(12)
		}
		line := ""
		flush := func() {
			c.FillText(sty, vg.Point{X: x0 + indent, Y: y}, line)
			y -= lineH
			line, indent = "", vg.Points(24)
		}
		// A unit stays on its number's line.
		para = strings.ReplaceAll(para, " µs", "\u00a0µs")
		for _, w := range strings.Split(para, " ") {
			next := strings.TrimSpace(line + " " + w)
			if line != "" && indent+sty.Width(next) > width {
				flush()
				next = w
			}
			line = next
		}
		flush()
	}
}

// newPanel returns a plot with the common styling and a grid.
func newPanel(title, x, y string) *plot.Plot {
	p := styledPanel(title, x, y)
	p.Add(plotter.NewGrid())
	return p
}

// styledPanel returns a plot with the common styling.
func styledPanel(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.X.Label.TextStyle.Font.Size = vg.Points(11)
	p.Y.Label.TextStyle.Font.Size = vg.Points(11)
	p.X.Tick.Label.Font.Size = vg.Points(10)
	p.Y.Tick.Label.Font.Size = vg.Points(10)
	return p
}

// µs converts a duration to float microseconds (at least 0.1 for log axes).
func µs(d time.Duration) float64 {
	return max(float64(d)/float64(time.Microsecond), 0.1)
}
