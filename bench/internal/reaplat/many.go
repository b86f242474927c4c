package reaplat

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// The many section: per row and N, a helper process of its own (the row's
// waiting process) starts N children that stay alive until released, the
// measuring process samples the helper's threads, memory and fds, then
// releases every child at once and waits for the helper to notice the
// last exit. See bench/README.md.

// ManyRow is one method in the many section: one point per N.
type ManyRow struct {
	Row
	Points []ManyPoint `json:"points,omitempty"`
}

// ManyPoint is one helper process with N children. Died, if not empty, is
// why the helper process ended before reporting every exit (e.g. "thread
// exhaustion"); the numbers measured until then are kept.
type ManyPoint struct {
	N       int    `json:"n"`
	Skipped string `json:"skipped,omitempty"` // not run, and why (Row.ManyMax)
	Died    string `json:"died,omitempty"`
	Started int    `json:"started"` // children the helper reported started
	Live    int    `json:"live"`    // its live children in /proc when it said so
	Exited  int    `json:"exited"`  // exits it noticed after the release
	Failed  int    `json:"failed"`  // of them, not exit 0
	Orphans int    `json:"orphans"` // children left behind by a dead helper, reaped by reaplat
	// Of the helper process: OS threads (the most seen by sampling
	// /proc/PID/status every few ms, and when all were started), RSS
	// before the first start, when all were started, and its peak
	// (VmHWM from the wait4 rusage), open fds when all were started.
	MaxThreads     int   `json:"max_threads"`
	StartedThreads int   `json:"started_threads"`
	BaseRSSKB      int64 `json:"base_rss_kb"`
	StartedRSSKB   int64 `json:"started_rss_kb"`
	PeakRSSKB      int64 `json:"peak_rss_kb"`
	FDs            int   `json:"fds"`
	ChildPssKB     int64 `json:"child_pss_kb,omitempty"` // one child's Pss (smaps_rollup)
	StartNS        int64 `json:"start_ns"`               // helper's clock: first start to N-th returned
	ReleaseNS      int64 `json:"release_ns"`             // close of the write end to the last exit noticed
}

// PerChildKB is the helper's RSS growth per live child, in KiB.
func (p ManyPoint) PerChildKB() float64 {
	if p.Started == 0 {
		return 0
	}
	return float64(p.StartedRSSKB-p.BaseRSSKB) / float64(p.Started)
}

// OK reports whether the point started, released and saw every child.
func (p ManyPoint) OK() bool {
	return p.Died == "" && p.Started == p.N && p.Exited == p.N && p.Failed == 0
}

// manyMsg is one line of a helper's stdout (the many protocol of
// bench/peers): exactly one of the three shapes, in this order.
type manyMsg struct {
	Ready     bool  `json:"ready"`
	Started   *int  `json:"started"`
	StartNS   int64 `json:"start_ns"`
	Exited    *int  `json:"exited"`
	Failed    int   `json:"failed"`
	LastExitM int64 `json:"last_exit_mono_ns"`
}

// manyReader reads a helper's protocol lines.
type manyReader struct{ sc *bufio.Scanner }

func newManyReader(r io.Reader) *manyReader { return &manyReader{sc: bufio.NewScanner(r)} }

// next reads the next line, which must be of shape want ("ready",
// "started" or "exited").
func (mr *manyReader) next(want string) (manyMsg, error) {
	if !mr.sc.Scan() {
		if err := mr.sc.Err(); err != nil {
			return manyMsg{}, err
		}
		return manyMsg{}, fmt.Errorf("want a %q line, got EOF", want)
	}
	var m manyMsg
	if err := json.Unmarshal(mr.sc.Bytes(), &m); err != nil {
		return m, fmt.Errorf("%w: %q", err, mr.sc.Text())
	}
	got := ""
	switch {
	case m.Ready:
		got = "ready"
	case m.Started != nil:
		got = "started"
	case m.Exited != nil:
		got = "exited"
	}
	if got != want {
		return m, fmt.Errorf("want a %q line, got %q", want, mr.sc.Text())
	}
	return m, nil
}

// procStatus is what the many section reads from /proc/PID/status.
type procStatus struct {
	Threads int
	RSSKB   int64 // VmRSS
	HWMKB   int64 // VmHWM
}

// parseStatus parses the fields of procStatus out of a /proc/PID/status
// text; a field that is missing stays 0 (a zombie has no Vm lines).
func parseStatus(text string) (procStatus, error) {
	var s procStatus
	for line := range strings.Lines(text) {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		val = strings.TrimSuffix(strings.TrimSpace(val), " kB")
		var err error
		switch key {
		case "Threads":
			s.Threads, err = strconv.Atoi(val)
		case "VmRSS":
			s.RSSKB, err = strconv.ParseInt(val, 10, 64)
		case "VmHWM":
			s.HWMKB, err = strconv.ParseInt(val, 10, 64)
		}
		if err != nil {
			return s, fmt.Errorf("/proc status %s: %w", key, err)
		}
	}
	return s, nil
}

// parsePss returns the Pss line of a smaps_rollup text, in KiB.
func parsePss(text string) (int64, error) {
	for line := range strings.Lines(text) {
		if v, ok := strings.CutPrefix(line, "Pss:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no Pss line")
}

// manyHeading describes the many section's measurement.
func manyHeading(r *Result) string {
	return fmt.Sprintf("N children (%s) stay alive on one shared stdin pipe, then are released at once by closing it; "+
		"each row and N in a helper process of its own (threads, RSS and fds are that process's)", r.ManyChild)
}

// manyCells is one point's table cells after the method and N.
func manyCells(p ManyPoint) []string {
	status := "ok"
	switch {
	case p.Skipped != "":
		cells := []string{"not run: " + p.Skipped}
		for len(cells) < len(manyHead)-2 { // after the method and N
			cells = append(cells, "—")
		}
		return cells
	case p.Died != "":
		status = "died: " + p.Died
	case p.Started < p.N:
		status = fmt.Sprintf("started %d", p.Started)
	case p.Exited != p.N || p.Failed > 0:
		status = fmt.Sprintf("lost %d, failed %d", p.N-p.Exited, p.Failed)
	}
	mb := func(kb int64) string { return fmt.Sprintf("%.1f", float64(kb)/1024) }
	dur := func(ns int64, ok bool) string {
		if !ok {
			return "—"
		}
		return fmt.Sprintf("%.3f", time.Duration(ns).Seconds())
	}
	started := p.Started == p.N
	perChild := "—"
	if started {
		perChild = fmt.Sprintf("%.1f", p.PerChildKB())
	}
	pss := "—"
	if p.ChildPssKB > 0 {
		pss = strconv.FormatInt(p.ChildPssKB, 10)
	}
	return []string{status, strconv.Itoa(p.MaxThreads), mb(p.StartedRSSKB), perChild, mb(p.PeakRSSKB),
		strconv.Itoa(p.FDs), dur(p.StartNS, started), dur(p.ReleaseNS, p.OK()), pss}
}

var manyHead = []string{"method", "N", "result", "max threads", "RSS MB (all live)", "KiB/child", "peak RSS MB",
	"fds", "start all s", "release→last exit s", "child Pss KiB"}

func printMany(w io.Writer, r *Result) {
	fmt.Fprintf(w, "\nMany: %s\n\n", manyHeading(r))
	width := nameWidth(len(r.Many), func(i int) string { return r.Many[i].Method })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-*s\t%s\t\n", width, manyHead[0], strings.Join(manyHead[1:], "\t"))
	var notes []string
	for _, row := range r.Many {
		if row.Skipped != "" || (row.Error != "" && len(row.Points) == 0) {
			notes = append(notes, noteLine(width, row.Row))
			continue
		}
		for _, p := range row.Points {
			fmt.Fprintf(tw, "%-*s\t%d\t%s\t\n", width, row.Method, p.N, strings.Join(manyCells(p), "\t"))
		}
		if row.Error != "" {
			notes = append(notes, noteLine(width, row.Row))
		}
	}
	tw.Flush()
	fmt.Fprintln(w, "\n  KiB/child = (RSS with all N live − RSS before the first start) / N; peak RSS = the helper's VmHWM;")
	fmt.Fprintln(w, "  child Pss = one child's proportional set size; start all = the helper's own clock.")
	printNotes(w, notes)
}

func markdownMany(w io.Writer, r *Result) {
	fmt.Fprintf(w, "\n### Many live children\n\n%s.\n", mdCell(manyHeading(r)))
	var rows [][]string
	var skipped []Row
	for _, row := range r.Many {
		if row.Skipped != "" || (row.Error != "" && len(row.Points) == 0) {
			skipped = append(skipped, row.Row)
			continue
		}
		for _, p := range row.Points {
			rows = append(rows, append([]string{mdCell(row.Method), strconv.Itoa(p.N)}, manyCells(p)...))
		}
		if row.Error != "" {
			skipped = append(skipped, row.Row)
		}
	}
	mdTable(w, manyHead, rows)
	fmt.Fprintln(w, "\nKiB/child = (RSS with all N live − RSS before the first start) / N; peak RSS is the helper's VmHWM; "+
		"child Pss is one child's proportional set size.")
	mdNotes(w, skipped)
}
