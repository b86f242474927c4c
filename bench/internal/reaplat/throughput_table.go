package reaplat

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/childloop/childloop/bench/internal/harness"
)

// The throughput section's tables, one per child program, in plain text
// and in Markdown: the same columns and cells in both.

// throughputHead is the header after the method column.
var throughputHead = []string{"children/s", "rounds min–max", "vs floor", "vs exec.Cmd",
	"parent CPU µs/child", "vs floor's", "vs exec.Cmd's", "children's CPU µs/child"}

// throughputRefs returns the floor and os/exec rows of t (the zero row for
// one that did not run): the reference of the ratio columns.
func throughputRefs(t ThroughputTable) (floor, osExec ThroughputRow) {
	for _, row := range t.Rows {
		if !ran(row.RowStatus) {
			continue
		}
		switch {
		case row.Floor:
			floor = row
		case row.Ref == harness.RefExec:
			osExec = row
		}
	}
	return floor, osExec
}

// throughputCells are the cells of row after its name.
func throughputCells(row, floor, osExec ThroughputRow) []string {
	cpu := func(ns int64) time.Duration { return time.Duration(ns) }
	return []string{
		fmt.Sprintf("%.0f", row.PerSecond),
		fmt.Sprintf("%.0f–%.0f", slices.Min(row.Rounds), slices.Max(row.Rounds)),
		ratioOf(row.PerSecond, floor.PerSecond), ratioOf(row.PerSecond, osExec.PerSecond),
		us(cpu(row.SelfCPUNS)), ratio(cpu(row.SelfCPUNS), cpu(floor.SelfCPUNS)), ratio(cpu(row.SelfCPUNS), cpu(osExec.SelfCPUNS)),
		us(cpu(row.ChildCPUNS)),
	}
}

// throughputHeading describes t's measurement.
func throughputHeading(r *Result, t ThroughputTable) string {
	return fmt.Sprintf("spawn and reap %s, %d in flight, %d per row in %s (median round shown)",
		t.Child.Desc, r.Options.Concurrency, r.Options.Total, inRounds(r.Options.Rounds))
}

// throughputCPUNote says what the CPU columns are.
const throughputCPUNote = "CPU per child from getrusage, user + system: the parent's is the process that spawns and reaps " +
	"(this one, or an out-of-process row's own, as it reports it over its run), its ratios are to the floor's and " +
	"exec.Cmd's; the children's is the reaped children's, from clone to exit, exec included."

func printThroughput(w io.Writer, r *Result) {
	for _, t := range r.Throughput {
		if t.Skipped != "" {
			fmt.Fprintf(w, "\nThroughput, %s: not run: %s\n", t.Child.Name, t.Skipped)
			continue
		}
		floor, osExec := throughputRefs(t)
		fmt.Fprintf(w, "\nThroughput, %s: %s\n\n", t.Child.Name, throughputHeading(r, t))
		width := nameWidth(len(t.Rows), func(i int) string { return t.Rows[i].Method })
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "%-*s\t%s\t\n", width, "method", strings.Join(throughputHead, "\t"))
		var notes []string
		for _, row := range t.Rows {
			if !ran(row.RowStatus) {
				notes = append(notes, noteLine(width, row.Row))
				continue
			}
			fmt.Fprintf(tw, "%-*s\t%s\t\n", width, row.Method, strings.Join(throughputCells(row, floor, osExec), "\t"))
		}
		tw.Flush()
		printNotes(w, notes)
	}
	fmt.Fprintln(w)
	for _, l := range wrap(throughputCPUNote, 100) {
		fmt.Fprintln(w, "  "+l)
	}
}

func markdownThroughput(w io.Writer, r *Result) {
	for _, t := range r.Throughput {
		if t.Skipped != "" {
			fmt.Fprintf(w, "\nThroughput, %s: not run: %s.\n", t.Child.Name, t.Skipped)
			continue
		}
		floor, osExec := throughputRefs(t)
		fmt.Fprintf(w, "\nThroughput, %s: %s:\n", t.Child.Name, throughputHeading(r, t))
		var rows [][]string
		var notes []Row
		for _, row := range t.Rows {
			if !ran(row.RowStatus) {
				notes = append(notes, row.Row)
				continue
			}
			rows = append(rows, append([]string{mdCell(row.Method)}, throughputCells(row, floor, osExec)...))
		}
		mdTable(w, append([]string{"method"}, throughputHead...), rows)
		mdNotes(w, notes)
	}
	fmt.Fprintf(w, "\n%s\n", throughputCPUNote)
}

// wrap breaks s into lines of at most width runes at spaces.
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		if line != "" && len([]rune(line))+1+len([]rune(word)) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return append(lines, line)
}
