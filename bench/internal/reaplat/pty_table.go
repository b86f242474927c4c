package reaplat

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// The pty section's table, in plain text and in Markdown: one line per
// row with both workloads, the same cells in both forms.

// ptyHead is the header after the method column.
func ptyHead(r *Result) []string {
	return []string{"MB/s", "rounds min–max", "vs creack/pty", "vs floor", "parent CPU µs/MiB",
		fmt.Sprintf("%d terminals: wall s", r.Options.PtyN), "start all s", "threads max", "goroutines max"}
}

// ptyRefs returns the creack/pty and floor rows of r (the zero row for
// one that is not there).
func ptyRefs(r *Result) (creack, floor PtyRow) {
	for _, row := range r.Pty {
		switch {
		case row.Floor:
			floor = row
		case row.Ref == ptyCreackRef:
			creack = row
		}
	}
	return creack, floor
}

// ptyRate is a row's MB/s, 0 unless its output workload ran.
func ptyRate(row PtyRow) float64 {
	if !ran(row.Output.RowStatus) {
		return 0
	}
	return row.Output.MBps
}

// ptyCells are the cells of row after its name; a workload that did not
// run shows why in its first cell (the notes below the table say more).
func ptyCells(row, creack, floor PtyRow) []string {
	var cells []string
	if o := row.Output; ran(o.RowStatus) && len(o.Rounds) > 0 {
		cells = append(cells, fmt.Sprintf("%.0f", o.MBps), fmt.Sprintf("%.0f–%.0f", slices.Min(o.Rounds), slices.Max(o.Rounds)),
			ratioOf(o.MBps, ptyRate(creack)), ratioOf(o.MBps, ptyRate(floor)), cpuPerMiB(o.SelfCPUNS))
	} else {
		cells = append(cells, ptyNotRun(o.RowStatus), "—", "—", "—", "—")
	}
	if t := row.Terminals; ran(t.RowStatus) && t.WallNS > 0 {
		sec := func(ns int64) string { return fmt.Sprintf("%.3f", time.Duration(ns).Seconds()) }
		cells = append(cells, sec(t.WallNS), sec(t.StartNS), strconv.Itoa(t.MaxThreads), strconv.Itoa(t.MaxGoroutines))
	} else {
		cells = append(cells, ptyNotRun(t.RowStatus), "—", "—", "—")
	}
	return cells
}

// ptyNotRun is the cell of a workload without numbers.
func ptyNotRun(s RowStatus) string {
	if s.Skipped != "" {
		return "skipped"
	}
	if s.Error != "" {
		return "error"
	}
	return "—" // not run: interrupted
}

// ptyNotes are the notes on the workloads of r that have no numbers, as
// "what: note".
func ptyNotes(r *Result) (rows []Row) {
	for _, row := range r.Pty {
		for _, w := range []struct {
			name string
			st   RowStatus
		}{{"output", row.Output.RowStatus}, {"terminals", row.Terminals.RowStatus}} {
			if !ran(w.st) {
				rows = append(rows, Row{Method: row.Method + " (" + w.name + ")", RowStatus: w.st})
			}
		}
	}
	return rows
}

// ptyHeading describes the section's measurements.
func ptyHeading(r *Result) string {
	o := r.Options
	return fmt.Sprintf("(a) one child (`dd if=/dev/zero bs=1M`: zeros, no \"\\n\" for the terminal to expand) writes %d MiB "+
		"to its terminal; MB/s (10^6 bytes/s) from before the spawn until the row has the exit and every byte, the median "+
		"of %s of one child per row (each after a %d MiB warm-up child), and the parent's CPU (getrusage) per MiB. "+
		"(b) %d children (%s) on terminals of their own, all alive at once, then each typed a line that the terminal "+
		"echoes and the child writes back before it exits; wall time from the first spawn to the last child done, "+
		"and the parent's most OS threads and goroutines. Each measurement in a fresh helper process",
		o.PtyMiB, inRounds(o.PtyRounds), o.PtyWarmupMiB(), o.PtyN, r.PtyChild)
}

// ptyNote says what the numbers include.
func ptyNote(r *Result) string {
	base, goroutines := 0, 0
	for _, row := range r.Pty {
		if t := row.Terminals; ran(t.RowStatus) && t.BaseThreads > 0 && (base == 0 || t.BaseThreads < base) {
			base, goroutines = t.BaseThreads, t.BaseGoroutines
		}
	}
	s := "Threads and goroutines are the helper process's, its sampler goroutine included"
	if base > 0 {
		s += fmt.Sprintf(" (idle, before the first spawn: %d threads, %d goroutine(s))", base, goroutines)
	}
	return s + "; start all = first spawn to the last child started. A row that read other than every byte the children " +
		"wrote is an error, not a number."
}

func printPty(w io.Writer, r *Result) {
	creack, floor := ptyRefs(r)
	fmt.Fprintln(w, "\nPTY:")
	for _, l := range wrap(strings.ReplaceAll(ptyHeading(r), "`", "")+".", 100) {
		fmt.Fprintln(w, "  "+l)
	}
	fmt.Fprintln(w)
	width := nameWidth(len(r.Pty), func(i int) string { return r.Pty[i].Method })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-*s\t%s\t\n", width, "method", strings.Join(ptyHead(r), "\t"))
	for _, row := range r.Pty {
		fmt.Fprintf(tw, "%-*s\t%s\t\n", width, row.Method, strings.Join(ptyCells(row, creack, floor), "\t"))
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, l := range wrap(ptyNote(r), 100) {
		fmt.Fprintln(w, "  "+l)
	}
	var notes []string
	for _, row := range ptyNotes(r) {
		notes = append(notes, noteLine(width, row))
	}
	printNotes(w, notes)
}

func markdownPty(w io.Writer, r *Result) {
	creack, floor := ptyRefs(r)
	fmt.Fprintf(w, "\nPTY: %s:\n", ptyHeading(r))
	var rows [][]string
	for _, row := range r.Pty {
		rows = append(rows, append([]string{mdCell(row.Method)}, ptyCells(row, creack, floor)...))
	}
	mdTable(w, append([]string{"method"}, ptyHead(r)...), rows)
	fmt.Fprintf(w, "\n%s\n", ptyNote(r))
	mdNotes(w, ptyNotes(r))
}
