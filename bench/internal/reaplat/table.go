package reaplat

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/childloop/childloop/bench/internal/stats"
)

// quickBanner is printed above and below the output of a -quick run.
const quickBanner = "SMOKE TEST (-quick): tiny sizes, one round; the numbers below mean nothing."

// PrintTables writes the headline in plain words, then the environment
// and one table per section that ran, then the ratios.
func PrintTables(w io.Writer, r *Result) {
	if r.Options.Quick {
		fmt.Fprintln(w, quickBanner)
	}
	for _, l := range headline(r) {
		fmt.Fprintln(w, l)
	}
	fmt.Fprintf(w, "\nreaplat — %s\n", r.Env)
	var rts []string
	for k, v := range r.Env.Runtimes {
		rts = append(rts, k+": "+v)
	}
	sort.Strings(rts)
	fmt.Fprintf(w, "peers: %s\n", strings.Join(rts, "; "))
	if len(r.Latency) > 0 {
		printLatency(w, r)
	}
	if len(r.Scale) > 0 {
		printScale(w, r)
	}
	if len(r.Throughput) > 0 {
		printThroughput(w, r)
	}
	if len(r.Output) > 0 {
		printOutput(w, r)
	}
	if len(r.Many) > 0 {
		printMany(w, r)
	}
	if len(r.Pty) > 0 {
		printPty(w, r)
	}
	if name, lines := verdict(r); len(lines) > 0 {
		fmt.Fprintf(w, "\nRatios for %s, to rows of this run:\n", name)
		for _, l := range lines {
			fmt.Fprintln(w, "  "+l)
		}
	}
	fmt.Fprintf(w, "\nwall time %.1fs\n", time.Duration(r.WallNS).Seconds())
}

// inRounds is "5 interleaved rounds", or "one round".
func inRounds(n int) string {
	if n == 1 {
		return "one round"
	}
	return fmt.Sprintf("%d interleaved rounds", n)
}

// us formats d in microseconds.
func us(d time.Duration) string {
	return fmt.Sprintf("%.0f", float64(d)/float64(time.Microsecond))
}

// ratio formats x/floor, or "n/a".
func ratio(x, floor time.Duration) string {
	r, ok := stats.Ratio(x, floor)
	if !ok {
		return "n/a"
	}
	return fmt.Sprintf("%.2fx", r)
}

// ratioOf formats x/ref for rates, or "n/a" without a reference.
func ratioOf(x, ref float64) string {
	if ref <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2fx", x/ref)
}

// note is the text shown instead of numbers for a row that did not run.
func note(s RowStatus) string {
	if s.Skipped != "" {
		return "skipped: " + s.Skipped
	}
	return "error: " + s.Error
}

// noteLine is a row's note as printed under its table.
func noteLine(width int, r Row) string {
	return fmt.Sprintf("%-*s  %s", width, r.Method, note(r.RowStatus))
}

func printLatency(w io.Writer, r *Result) {
	var floor stats.Summary
	for _, row := range r.Latency {
		if row.Floor && row.Error == "" && row.Skipped == "" {
			floor = row.Summary
		}
	}
	fmt.Fprintf(w, "\nLatency: close(stdin of cat) → method knows the pid exited, µs; %d sequential exits per method in %s, each after %d warm-up\n\n",
		r.Options.N, inRounds(r.Options.Rounds), r.Options.Warmup)
	width := nameWidth(len(r.Latency), func(i int) string { return r.Latency[i].Method })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-*s\tn\tp50\tp90\tp99\tp99.9\tmax\tp50/floor\tp99/floor\t\n", width, "method")
	var notes []string
	for _, row := range r.Latency {
		if row.Skipped != "" || (row.Error != "" && row.Summary.N == 0) {
			notes = append(notes, noteLine(width, row.Row))
			continue
		}
		s := row.Summary
		fmt.Fprintf(tw, "%-*s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", width, row.Method, s.N, us(s.P50), us(s.P90),
			us(s.P99), us(s.P999), us(s.Max), ratio(s.P50, floor.P50), ratio(s.P99, floor.P99))
		if row.Error != "" {
			notes = append(notes, noteLine(width, row.Row))
		}
	}
	tw.Flush()
	printNotes(w, notes)
}

func printScale(w io.Writer, r *Result) {
	levels := r.Options.Levels()
	floor := map[int]stats.Summary{}
	for _, row := range r.Scale {
		if row.Floor {
			for _, p := range row.Points {
				floor[p.Idle] = p.Summary
			}
		}
	}
	fmt.Fprintf(w, "\nScale: latency of one exit next to N idle children, p50 / p99 µs (p50 ratio to floor); %d exits per point in %s\n\n",
		r.Options.ScaleN, inRounds(r.Options.Rounds))
	width := nameWidth(len(r.Scale), func(i int) string { return r.Scale[i].Method })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-*s\t", width, "method")
	for _, l := range levels {
		fmt.Fprintf(tw, "%d idle\t", l)
	}
	fmt.Fprintln(tw)
	var notes []string
	for _, row := range r.Scale {
		if row.Skipped != "" || row.Error != "" {
			notes = append(notes, noteLine(width, row.Row))
		}
		if row.Skipped != "" {
			continue
		}
		fmt.Fprintf(tw, "%-*s\t", width, row.Method)
		for _, l := range levels {
			cell := "-"
			for _, p := range row.Points {
				if p.Idle == l {
					cell = fmt.Sprintf("%s / %s (%s)", us(p.Summary.P50), us(p.Summary.P99), ratio(p.Summary.P50, floor[l].P50))
				}
			}
			fmt.Fprintf(tw, "%s\t", cell)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	printNotes(w, notes)
}

// outputHeading describes the output section's measurement.
func outputHeading(r *Result) string {
	return fmt.Sprintf("one child (`dd if=/dev/zero bs=1M`) writes %d MiB to a stdout pipe; MB/s (10^6 bytes/s) from before the spawn "+
		"until the method has the exit and every byte, one child per row in each of %s (median round), after a %d MiB warm-up child",
		r.Options.OutputMiB, inRounds(r.Options.Rounds), r.Options.OutputWarmupMiB())
}

func printOutput(w io.Writer, r *Result) {
	ref := outputRef(r)
	fmt.Fprintf(w, "\nOutput: %s\n\n", strings.ReplaceAll(outputHeading(r), "`", ""))
	width := nameWidth(len(r.Output), func(i int) string { return r.Output[i].Method })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-*s\tMB/s\trounds min–max\tvs exec.Cmd.Output\tCPU µs/MiB: self\tchildren\t\n", width, "method")
	var notes []string
	for _, row := range r.Output {
		if !ran(row.RowStatus) {
			notes = append(notes, noteLine(width, row.Row))
			continue
		}
		self := cpuPerMiB(row.SelfCPUNS)
		if row.OutOfProcess {
			self = "(peer)"
		}
		fmt.Fprintf(tw, "%-*s\t%.0f\t%.0f–%.0f\t%s\t%s\t%s\t\n", width, row.Method, row.MBps,
			slices.Min(row.Rounds), slices.Max(row.Rounds), ratioOf(row.MBps, ref), self, cpuPerMiB(row.ChildCPUNS))
	}
	tw.Flush()
	fmt.Fprintln(w, "\n  CPU µs/MiB (getrusage, warm-up children included): self = this process, children = dd; for a peer row")
	fmt.Fprintln(w, "  the peer process (its interpreter's start included) and dd are both in children.")
	printNotes(w, notes)
}

// nameWidth is the display width of the longest of n method names.
func nameWidth(n int, name func(int) string) int {
	w := len("method")
	for i := range n {
		w = max(w, utf8.RuneCountInString(name(i)))
	}
	return w
}

// printNotes prints the rows that have no numbers, below the table.
func printNotes(w io.Writer, notes []string) {
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
}
