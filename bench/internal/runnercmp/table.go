package runnercmp

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// PrintMarkdown writes the command line, the machine and one Markdown
// table per section.
func PrintMarkdown(w io.Writer, r *Result) {
	o := r.Options
	fmt.Fprintf(w, "runnercmp: `%s`\n\n", commandLine(o.Args))
	e := r.Env
	fmt.Fprintf(w, "machine: %d CPUs (nproc), %s, %s; load average %s at the start%s; RLIMIT_NOFILE %d/%d; %s\n\n",
		e.NumCPU, e.Kernel, e.CPUModel, e.LoadAvg, busy(e), e.Nofile[0], e.Nofile[1], e.GoVersion)
	var vs []string
	for k, v := range e.Versions {
		vs = append(vs, k+": "+v)
	}
	sort.Strings(vs)
	fmt.Fprintf(w, "runners: %s\n\n", strings.Join(vs, "; "))
	if e.Tree != "" {
		fmt.Fprintf(w, "childloop parallel: examples/parallel built from this tree; -tree auto is %s here\n", e.Tree)
	}

	if len(r.Short) > 0 {
		fmt.Fprintf(w, "\n(a) jobs of `%s`%s, %d at once; median of %s; every runner's stdout to /dev/null, its stdin a file\n\n",
			shortChild(r.Child), childDesc(r.Child), o.P, runs(o.Runs))
		ref := refRate(r.Short)
		fmt.Fprintln(w, "| runner | command < stdin | jobs | wall | jobs/s | vs xargs | runs' wall | CPU |")
		fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|--:|--:|")
		for _, row := range r.Short {
			if !row.ran() {
				fmt.Fprintf(w, "| %s | %s | %d | %s | | | | |\n", row.Runner, command(row), row.Jobs, note(row))
				continue
			}
			m := row.median()
			rate := row.rate()
			lo, hi := row.wallRange()
			fmt.Fprintf(w, "| %s | %s | %d | %s | %.0f | %s | %s | %s |\n", row.Runner, command(row), row.Jobs,
				seconds(time.Duration(m.WallNS)), rate, ratio(rate, ref), spread(lo, hi), seconds(time.Duration(m.CPUNS)))
		}
		fmt.Fprintln(w, "\nCPU: user+system time of the runner and of everything it waited for (its rusage), median run.")
		printErrors(w, r.Short)
	}
	if len(r.Tree) > 0 {
		fmt.Fprintf(w, "\n(b) %d jobs `sleep 30 & setsid sleep 30 & wait`, %d at once, each stopped after %v; median of %s; "+
			"30.PLAIN and 30.SETSID stand for sleep arguments unique to each run\n\n",
			o.TreeJobs, o.P, o.Timeout, runs(o.TreeRuns))
		fmt.Fprintln(w, "| runner | command < stdin | wall | runs' wall | exit | left behind: plain | setsid'd |")
		fmt.Fprintln(w, "|---|---|--:|--:|--:|--:|--:|")
		for _, row := range r.Tree {
			if !row.ran() {
				fmt.Fprintf(w, "| %s | %s | %s | | | | |\n", row.Runner, command(row), note(row))
				continue
			}
			m := row.median()
			lo, hi := row.wallRange()
			fmt.Fprintf(w, "| %s | %s | %s | %s | %d | %d | %d |\n", row.Runner, command(row),
				seconds(time.Duration(m.WallNS)), spread(lo, hi), m.Exit, m.LeftPlain, m.LeftSetsid)
		}
		fmt.Fprintf(w, "\nleft behind: grandchildren still alive (not zombies, no SIGKILL pending) once the runner has exited, "+
			"found by their unique sleep argument in /proc and then killed; %d of each kind were started per run.\n", o.TreeJobs)
		printErrors(w, r.Tree)
	}
	fmt.Fprintf(w, "\nwall time %.1fs\n", time.Duration(r.WallNS).Seconds())
}

// shortChild is section (a)'s program as the tables show it; a result
// without one (written before -child) ran /bin/true.
func shortChild(c Child) string {
	if c.Shown == "" {
		return truePath
	}
	return c.Shown
}

// childDesc is the header's note on section (a)'s program, " (...)".
func childDesc(c Child) string {
	if c.Desc == "" {
		return ""
	}
	return " (" + c.Desc + ")"
}

// busy warns when the machine was loaded beyond its CPUs at the start.
func busy(e Env) string {
	f := strings.Fields(e.LoadAvg)
	if len(f) == 0 {
		return ""
	}
	if l, err := strconv.ParseFloat(f[0], 64); err == nil && l > float64(e.NumCPU) {
		return " (busy: other work was running, so absolute numbers are low; the runners took turns, so ratios suffer less)"
	}
	return ""
}

// commandLine is how runnercmp was invoked, for the reader to repeat.
func commandLine(args []string) string {
	s := "go run ./bench/cmd/runnercmp"
	for _, a := range args {
		s += " " + shellQuote(a)
	}
	return s
}

// shellQuote quotes s for sh when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=./:,+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// refRate is the jobs/s of the reference row (xargs), 0 if it did not run.
func refRate(rows []Row) float64 {
	for _, row := range rows {
		if row.Ref && row.ran() {
			return row.rate()
		}
	}
	return 0
}

// command is a row's command cell: the argv as code, and its input.
func command(r Row) string {
	return code(r.Command) + " < " + strings.ReplaceAll(r.Input, "|", `\|`)
}

// code formats s as Markdown inline code inside a table cell.
func code(s string) string {
	return "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
}

func note(r Row) string {
	if r.Skipped != "" {
		return r.Skipped
	}
	return "error: " + strings.ReplaceAll(r.Error, "|", `\|`)
}

// printErrors lists the rows that failed after some runs.
func printErrors(w io.Writer, rows []Row) {
	for _, r := range rows {
		if r.ran() && r.Error != "" {
			fmt.Fprintf(w, "\n%s: error after %s: %s\n", r.Runner, runs(len(r.Runs)), r.Error)
		}
	}
}

func runs(n int) string {
	if n == 1 {
		return "1 run"
	}
	return fmt.Sprintf("%d runs", n)
}

func ratio(x, ref float64) string {
	if ref <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f×", x/ref)
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// spread is the runs' range of wall times, "4.90–5.10 s".
func spread(lo, hi time.Duration) string {
	if lo == hi {
		return seconds(lo)
	}
	return fmt.Sprintf("%.2f–%.2f s", lo.Seconds(), hi.Seconds())
}
