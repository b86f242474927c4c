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

// The page: three bands, top to bottom — the latency CDF with its legend
// on the right, the scale curves with theirs, and the throughput bars with
// the CPU bars on the right. Legends sit beside the panels, not over the
// curves: with 15 rows any corner of the CDF would hide some of them.
const (
	pageW       = 16 * vg.Inch
	plotShare   = 0.60 // of the width, for the panels; the rest is legends
	latencyH    = 7.6 * vg.Inch
	scaleH      = 5.3 * vg.Inch
	throughputH = 9 * vg.Inch // two bars per row, one per child program
	pageH       = latencyH + scaleH + throughputH
	pad         = 10 // points
)

// writePlot draws the page into dir/PNGFile and returns the path. A section
// that did not run leaves its panel with a note.
func writePlot(dir string, r *Result) (string, error) {
	st, order := styles(r)
	latLegend, scaleLegend := newLegend(), newLegend()
	lat, err := latencyPlot(r, st, order, &latLegend)
	if err != nil {
		return "", err
	}
	scale, err := scalePlot(r, st, order, &scaleLegend)
	if err != nil {
		return "", err
	}
	// One slot per row in what is left of the band after its title (up
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

	img := vgimg.NewWith(vgimg.UseWH(pageW, pageH), vgimg.UseDPI(110))
	dc := draw.New(img)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	split := pageW * plotShare
	latTop, scaleTop := pageH, pageH-latencyH
	thrTop := scaleTop - scaleH
	band := func(top, bottom, left, right vg.Length) draw.Canvas {
		p := vg.Points(pad)
		return draw.Crop(dc, left+p, right-pageW-p, bottom+p, top-pageH-p)
	}
	lat.Draw(band(latTop, scaleTop, 0, split))
	legendBand := band(latTop, scaleTop, split, pageW)
	below := drawLegend(legendBand, latLegend)
	if name, lines := verdict(r); len(lines) > 0 {
		drawNote(legendBand, below-vg.Points(24), append([]string{
			"The floor row is raw pidfd + epoll in Go, the reference of every ratio.",
			"Verdict for " + name + ", as ratios to rows of this run:"}, lines...))
	}
	scale.Draw(band(scaleTop, thrTop, 0, split))
	drawLegend(band(scaleTop, thrTop, split, pageW), scaleLegend)
	rate.Draw(band(thrTop, 0, 0, split))
	cpu.Draw(band(thrTop, 0, split, pageW))

	return writePNG(img, filepath.Join(dir, PNGFile))
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
