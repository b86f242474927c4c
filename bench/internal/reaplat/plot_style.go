package reaplat

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// rowStyle is how one row is drawn in every panel: its own colour and dash
// pattern (the CDF puts up to 15 rows on one axis, so colour alone is not
// enough to tell neighbours apart), a glyph for the scale points, and a
// width that makes the default row stand out.
type rowStyle struct {
	color  color.Color
	dashes []vg.Length // nil: solid
	width  vg.Length
	glyph  draw.GlyphDrawer
	// outline, if not nil, outlines a bar in it with dashes (the second
	// child program's bars); nil: a thin black outline.
	outline color.Color
}

// line returns the style's line.
func (s rowStyle) line() draw.LineStyle {
	return draw.LineStyle{Color: s.color, Width: s.width, Dashes: s.dashes}
}

// Colours and dash patterns for the rows that are neither the default nor
// the floor, in table order: one for each of the 18 such rows of a full
// run, so that no colour stands for two rows. Hand-picked so that no two
// rows look alike; rows whose colours are nearest (the blues, the greens)
// get very different dashes, and the CDF marks each row's p50 and p90 in
// its own glyph.
var (
	otherColors = []color.RGBA{
		{0x1f, 0x77, 0xb4, 0xff}, // blue
		{0xff, 0x7f, 0x0e, 0xff}, // orange
		{0x2c, 0xa0, 0x2c, 0xff}, // green
		{0x94, 0x67, 0xbd, 0xff}, // purple
		{0x8c, 0x56, 0x4b, 0xff}, // brown
		{0x7f, 0x7f, 0x7f, 0xff}, // grey
		{0xbc, 0xbd, 0x22, 0xff}, // olive
		{0x17, 0xbe, 0xcf, 0xff}, // cyan
		{0x00, 0x00, 0x80, 0xff}, // navy
		{0xe6, 0xab, 0x02, 0xff}, // gold
		{0xe7, 0x29, 0x8a, 0xff}, // magenta, the only pink
		{0x00, 0x5f, 0x5f, 0xff}, // dark teal
		{0x80, 0x00, 0x00, 0xff}, // maroon
		{0xb3, 0x58, 0x06, 0xff}, // rust
		{0x54, 0x27, 0x88, 0xff}, // deep violet
		{0x66, 0x66, 0x00, 0xff}, // dark olive
		{0x00, 0xa0, 0x80, 0xff}, // sea green
		{0x99, 0x33, 0xff, 0xff}, // violet
	}
	otherDashes = [][]float64{
		{7, 3}, {2, 2}, {10, 3, 2, 3}, {1, 3}, {14, 4}, {6, 2, 2, 2, 2, 2}, {4, 4},
		{14, 3, 3, 3}, {8, 2}, {2, 5}, {9, 3, 1, 3, 1, 3}, {5, 5, 1, 5}, {16, 4, 4, 4},
		{3, 3, 9, 3}, {12, 2, 2, 2}, {1, 2}, {6, 3, 6, 3, 1, 3}, {10, 2, 1, 2},
	}
	glyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{},
		draw.RingGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{}}
)

// Widths: the default row thickest, the floor (the reference the eye
// compares with) next.
var (
	defaultWidth = vg.Points(3.4)
	floorWidth   = vg.Points(2.2)
	otherWidth   = vg.Points(1.5)
)

// styles gives every row of r one style for all panels of all plots (the
// same row has the same colour, dashes and glyph everywhere), and returns
// the rows in legend order: the default first, then the table's order.
func styles(r *Result) (map[string]rowStyle, []Row) {
	var rows []Row
	seen := map[string]bool{}
	add := func(row Row) {
		if !seen[row.Method] {
			seen[row.Method] = true
			rows = append(rows, row)
		}
	}
	// Every selected row first, whether its section ran or not, so that
	// a row keeps its colour across runs of different sections.
	for _, row := range r.Rows {
		add(row)
	}
	for _, row := range r.Latency {
		add(row.Row)
	}
	for _, row := range r.Scale {
		add(row.Row)
	}
	for _, t := range r.Throughput {
		for _, row := range t.Rows {
			add(row.Row)
		}
	}
	for _, row := range r.Many {
		add(row.Row)
	}
	// The pty section's rows are its own: after every harness row, so
	// that they take no colour another row had in an earlier run.
	for _, row := range r.Pty {
		add(row.Row)
	}
	m := map[string]rowStyle{}
	var order []Row
	other := 0
	for i, row := range rows {
		s := rowStyle{glyph: glyphs[i%len(glyphs)]}
		switch {
		case row.Default:
			s.color, s.width = color.RGBA{0xd6, 0x27, 0x28, 0xff}, defaultWidth // red
			order = append([]Row{row}, order...)
		case row.Floor:
			s.color, s.width = color.Black, floorWidth
			order = append(order, row)
		default:
			k := other % len(otherColors)
			s.color, s.width = otherColors[k], otherWidth
			for _, d := range otherDashes[k] {
				s.dashes = append(s.dashes, vg.Points(d))
			}
			other++
			order = append(order, row)
		}
		m[row.Method] = s
	}
	return m, order
}

// newLegend returns an empty legend in the common style, for drawing
// beside a panel rather than over its curves.
func newLegend() plot.Legend {
	l := plot.NewLegend()
	l.TextStyle.Font.Size = vg.Points(10.5)
	l.ThumbnailWidth = vg.Points(44) // long enough to show a dash pattern
	l.Padding = vg.Points(3)
	l.Top, l.Left = true, true
	return l
}
