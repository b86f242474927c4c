package reaplat

import (
	"fmt"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// PtyPNGFile is the pty section's plot.
const PtyPNGFile = "reaplat-pty.png"

// ptyH is the pty plot's height: three rows of bars under two-line titles.
const ptyH = 4.2 * vg.Inch

// ptyPanel is one bar chart of the pty plot: a value per row, labelled.
type ptyPanel struct {
	title, x string
	value    func(PtyRow) (v float64, ok bool)
	label    func(PtyRow) string
	whisker  func(PtyRow) (lo, hi float64) // nil: none
}

// writePtyPlot draws the pty section as three horizontal bar charts over
// the same rows, in the rows' colours (the default red, the floor black):
// MB/s of the median round with the rounds' min–max as a whisker, the
// parent's CPU per MiB, and the parent's most OS threads with -pty-n
// terminals. Returns the path.
func writePtyPlot(dir string, r *Result, st map[string]rowStyle, order []Row) (string, error) {
	var names []string // legend order, default first; top to bottom
	for _, o := range order {
		if slices.ContainsFunc(r.Pty, func(row PtyRow) bool { return row.Method == o.Method }) {
			names = append(names, o.Method)
		}
	}
	outputOK := func(row PtyRow) bool { return ran(row.Output.RowStatus) && row.Output.MBps > 0 }
	termsOK := func(row PtyRow) bool { return ran(row.Terminals.RowStatus) && row.Terminals.WallNS > 0 }
	panels := []ptyPanel{
		{title: fmt.Sprintf("PTY: one child writes %d MiB to its terminal\n(median of %s; whisker: min–max)", r.Options.PtyMiB, inRounds(r.Options.PtyRounds)),
			x:     "MB/s (higher is faster)",
			value: func(row PtyRow) (float64, bool) { return row.Output.MBps, outputOK(row) },
			label: func(row PtyRow) string { return fmt.Sprintf(" %.0f MB/s", row.Output.MBps) },
			whisker: func(row PtyRow) (float64, float64) {
				return slices.Min(row.Output.Rounds), slices.Max(row.Output.Rounds)
			}},
		{title: "Parent CPU per MiB read\n(getrusage of the helper process)", x: "µs per MiB (lower is cheaper)",
			value: func(row PtyRow) (float64, bool) { return float64(row.Output.SelfCPUNS) / 1e3, outputOK(row) },
			label: func(row PtyRow) string { return " " + cpuPerMiB(row.Output.SelfCPUNS) + " µs" }},
		{title: fmt.Sprintf("%d interactive children alive at once:\nthe parent's most OS threads", r.Options.PtyN), x: "OS threads (fewer is cheaper)",
			value: func(row PtyRow) (float64, bool) { return float64(row.Terminals.MaxThreads), termsOK(row) },
			label: func(row PtyRow) string {
				return fmt.Sprintf(" %d threads, %d goroutines", row.Terminals.MaxThreads, row.Terminals.MaxGoroutines)
			}},
	}
	img, band := newPage(pageW, ptyH)
	edges := []float64{0, 0.42, 0.71, 1}
	for i, pp := range panels {
		p, err := ptyBars(r, st, names, pp, i == 0)
		if err != nil {
			return "", err
		}
		p.Draw(band(edges[i], edges[i+1]))
	}
	return writePNG(img, filepath.Join(dir, PtyPNGFile))
}

// ptyBars draws one panel; withNames puts the row names on its axis.
func ptyBars(r *Result, st map[string]rowStyle, names []string, pp ptyPanel, withNames bool) (*plot.Plot, error) {
	p := barPanel(pp.title, pp.x)
	n := len(names)
	width := (ptyH - vg.Points(110)) / vg.Length(max(n, 1)) * 0.6
	var labels plotter.XYLabels
	var centres plotter.XYs
	var whiskers plotter.XErrors
	for i, name := range names {
		k := slices.IndexFunc(r.Pty, func(row PtyRow) bool { return row.Method == name })
		row := r.Pty[k]
		y := float64(n - 1 - i) // first row on top
		v, ok := pp.value(row)
		if !ok {
			labels.XYs = append(labels.XYs, plotter.XY{X: 0, Y: y})
			labels.Labels = append(labels.Labels, " (no number: see the table)")
			continue
		}
		b, err := bar(v, y, st[name], row.Default, width)
		if err != nil {
			return nil, err
		}
		p.Add(b)
		end := v
		if pp.whisker != nil {
			lo, hi := pp.whisker(row)
			centres = append(centres, plotter.XY{X: v, Y: y})
			whiskers = append(whiskers, struct{ Low, High float64 }{v - lo, hi - v})
			end = hi
		}
		labels.XYs = append(labels.XYs, plotter.XY{X: end, Y: y})
		labels.Labels = append(labels.Labels, pp.label(row))
	}
	if len(centres) > 0 {
		eb, err := plotter.NewXErrorBars(struct {
			plotter.XYs
			plotter.XErrors
		}{centres, whiskers})
		if err != nil {
			return nil, err
		}
		eb.LineStyle.Width = vg.Points(1.2)
		eb.CapWidth = width * 0.6
		p.Add(eb)
	}
	if len(labels.XYs) > 0 {
		l, err := plotter.NewLabels(labels)
		if err != nil {
			return nil, err
		}
		for i := range l.TextStyle {
			l.TextStyle[i].Font.Size = vg.Points(9.5)
			l.TextStyle[i].YAlign = draw.YCenter
		}
		p.Add(l)
		_, xmax, _, _ := plotter.XYRange(labels)
		p.X.Max = max(xmax*1.45, 1) // room for the labels past the longest bar
	}
	p.X.Min = 0
	axis := make([]string, n)
	if withNames {
		for i, name := range names {
			axis[n-1-i] = name
		}
	}
	p.NominalY(axis...)
	p.Y.Tick.Label.Font.Size = vg.Points(10)
	p.Y.Padding = 0
	p.X.Tick.Marker = roundTicks{}
	return p, nil
}
