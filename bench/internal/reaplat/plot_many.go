package reaplat

import (
	"image/color"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// ManyPNGFile is the many section's plot, written beside PNGFile when the
// section ran.
const ManyPNGFile = "reaplat-many.png"

// writeManyPlot draws two log–log panels, the waiting process's most OS
// threads and its RSS with all N children live, against N, one line per
// row; a point where the helper died is a cross at what it had reached,
// not joined to the line. Returns the path.
//
// Rows with equal values (several hold 4 or 5 threads, or 8 MB) would
// hide each other, so each row's points are drawn a few percent above the
// previous row's (the tables have the exact numbers), and the default row
// is drawn last, on top.
func writeManyPlot(dir string, r *Result, st map[string]rowStyle) (string, error) {
	const w, h = 16 * vg.Inch, 6.5 * vg.Inch
	threads := newPanel("OS threads of the waiting process (most seen while N children lived)",
		"live children N (log scale)", "OS threads (log scale)")
	rss := newPanel("RSS of the waiting process with all N children live",
		"live children N (log scale)", "RSS, MiB (log scale)")
	legend := newLegend()
	rows := slices.Clone(r.Many)
	// The default last: drawn on top.
	slices.SortStableFunc(rows, func(a, b ManyRow) int {
		switch {
		case a.Default == b.Default:
			return 0
		case a.Default:
			return 1
		}
		return -1
	})
	entries := map[string][]plot.Thumbnailer{}
	for k, row := range rows {
		if len(row.Points) == 0 {
			continue
		}
		rs := st[row.Method]
		sty := rs.line()
		sty.Width += vg.Points(0.5)
		glyph := rs.glyph
		lift := 1 + 0.05*float64(k)  // the thread panel's offset, see above
		rlift := 1 + 0.02*float64(k) // the RSS panel's
		var tOK, rOK, tDied, rDied plotter.XYs
		for _, p := range row.Points {
			t := plotter.XY{X: float64(p.N), Y: float64(max(p.MaxThreads, 1)) * lift}
			m := plotter.XY{X: float64(p.N), Y: max(float64(p.StartedRSSKB), float64(p.PeakRSSKB)) / 1024}
			if p.Skipped != "" {
				continue
			}
			if p.OK() {
				tOK, rOK = append(tOK, t), append(rOK, plotter.XY{X: m.X, Y: float64(p.StartedRSSKB) / 1024 * rlift})
			} else {
				tDied, rDied = append(tDied, t), append(rDied, plotter.XY{X: m.X, Y: m.Y * rlift})
			}
		}
		var entry []plot.Thumbnailer
		for _, pan := range []struct {
			p         *plot.Plot
			ok, died  plotter.XYs
			thumbnail bool
		}{{threads, tOK, tDied, true}, {rss, rOK, rDied, false}} {
			if len(pan.ok) > 0 {
				l, s, err := plotter.NewLinePoints(pan.ok)
				if err != nil {
					return "", err
				}
				l.LineStyle = sty
				s.GlyphStyle = draw.GlyphStyle{Color: sty.Color, Shape: glyph, Radius: vg.Points(4)}
				pan.p.Add(l, s)
				if pan.thumbnail {
					entry = append(entry, l, s)
				}
			}
			if len(pan.died) > 0 {
				s, err := plotter.NewScatter(pan.died)
				if err != nil {
					return "", err
				}
				s.GlyphStyle = draw.GlyphStyle{Color: sty.Color, Shape: draw.CrossGlyph{}, Radius: vg.Points(7)}
				pan.p.Add(s)
			}
		}
		entries[row.Method] = entry
	}
	// The legend in the table's order, the default first.
	for _, row := range r.Many {
		if row.Default && len(entries[row.Method]) > 0 {
			legend.Add(row.Method, entries[row.Method]...)
		}
	}
	for _, row := range r.Many {
		if !row.Default && len(entries[row.Method]) > 0 {
			legend.Add(row.Method, entries[row.Method]...)
		}
	}
	legend.Add("")
	legend.Add("× = the process failed there (Go's 10000-thread")
	legend.Add("    limit, or no fd left for a pidfd per child):")
	legend.Add("    what it had reached")
	legend.Add("")
	legend.Add("Lines are lifted by 5% (threads) and 2% (RSS)")
	legend.Add("    per row so that equal values stay visible;")
	legend.Add("    the table has the exact numbers.")
	for _, p := range []*plot.Plot{threads, rss} {
		p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
		p.X.Tick.Marker, p.Y.Tick.Marker = ticks125{}, ticks125{}
		p.X.Padding, p.Y.Padding = vg.Points(12), vg.Points(12)
	}
	threads.Y.Min = 1

	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110))
	dc := draw.New(img)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	p := vg.Points(pad)
	panelW := w * 0.36
	threads.Draw(draw.Crop(dc, p, panelW-w-p, p, -p))
	rss.Draw(draw.Crop(dc, panelW+p, 2*panelW-w-p, p, -p))
	lc := draw.Crop(dc, 2*panelW+p, -p, p, -p)
	below := drawLegend(lc, legend)
	drawNote(lc, below-vg.Points(24), []string{
		"Each row and N ran in a helper process of its own: " + r.ManyChild + " children sharing one stdin pipe, released at once by closing it.",
		"Limits here: " + r.ManyLimits + ".",
	})

	return writePNG(img, filepath.Join(dir, ManyPNGFile))
}
