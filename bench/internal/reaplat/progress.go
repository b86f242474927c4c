package reaplat

import (
	"fmt"
	"io"
	"sync"
	"time"
	"unicode/utf8"
)

// progress shows the whole run's progress on stderr: the share done, the
// time elapsed and an estimate of the time left, and the step running. On a
// terminal it is one line redrawn in place a few times a second; elsewhere
// (a file, a pipe, a test's buffer) it is one line per step, so a log stays
// readable. The estimate comes from the plan (see plan.go).
type progress struct {
	w     io.Writer
	width int // terminal columns; 0 when w is not a terminal
	start time.Time

	mu       sync.Mutex // guards everything below and writes to w
	plan     *plan
	cur      *step     // running step, or nil
	label    string    // cur's description
	curStart time.Time // when cur began
	curDone  int       // cur's measured units so far (its progress callback)
	stop     chan struct{}
	stopped  chan struct{}
}

// newProgress starts reporting on w for the steps of p.
func newProgress(w io.Writer, p *plan) *progress {
	pr := &progress{w: w, start: time.Now(), plan: p}
	if cols, ok := terminalWidth(w); ok {
		pr.width = max(cols, 40)
		pr.stop, pr.stopped = make(chan struct{}), make(chan struct{})
		go pr.redraw()
	}
	return pr
}

// redraw refreshes the terminal line until finish: steps without a
// progress callback (throughput) still show time passing.
func (pr *progress) redraw() {
	defer close(pr.stopped)
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-pr.stop:
			return
		case <-t.C:
			pr.mu.Lock()
			pr.drawLocked()
			pr.mu.Unlock()
		}
	}
}

// begin marks the next planned step with key as running, described by
// label, and returns the callback for its measured units (a
// LatencyConfig.Progress).
func (pr *progress) begin(key stepKey, label string) func(done int) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.cur = pr.plan.next(key)
	pr.label, pr.curStart, pr.curDone = label, time.Now(), 0
	if pr.width == 0 {
		fmt.Fprintf(pr.w, "reaplat %s %s\n", pr.statusLocked(), label)
	} else {
		pr.drawLocked()
	}
	return func(done int) {
		pr.mu.Lock()
		pr.curDone = done
		pr.mu.Unlock()
	}
}

// end records how long the running step took.
func (pr *progress) end() {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.cur != nil {
		pr.plan.done(pr.cur, time.Since(pr.curStart))
	}
	pr.cur = nil
}

// drop gives up the pending steps of a row that failed in section (row ""
// is every row).
func (pr *progress) drop(section, row string) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.plan.drop(section, row)
}

// dropStep gives up the pending steps with key: one row of a section
// with several variants (the throughput section's children).
func (pr *progress) dropStep(key stepKey) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.plan.dropStep(key)
}

// finish ends the display with the total time.
func (pr *progress) finish() {
	if pr.stop != nil {
		close(pr.stop)
		<-pr.stopped
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.width != 0 {
		fmt.Fprint(pr.w, "\r\x1b[K")
	}
	fmt.Fprintf(pr.w, "reaplat: measured in %s\n", clock(time.Since(pr.start)))
}

// statusLocked is "[ 42%  1:02, ETA 1:23]".
func (pr *progress) statusLocked() string {
	elapsed := time.Since(pr.start)
	var inStep time.Duration
	if pr.cur != nil {
		inStep = time.Since(pr.curStart)
	}
	left := pr.plan.left(pr.cur, inStep, pr.curDone)
	pct := 100.0
	if total := elapsed + left; total > 0 {
		pct = 100 * float64(elapsed) / float64(total)
	}
	return fmt.Sprintf("[%3.0f%% %s, ETA %s]", pct, clock(elapsed), clock(left))
}

// drawLocked redraws the terminal line, cut to the terminal's width.
func (pr *progress) drawLocked() {
	line := "reaplat " + pr.statusLocked() + " " + pr.label
	if pr.cur != nil && pr.cur.count > 0 {
		line += fmt.Sprintf(" %d/%d", pr.curDone, pr.cur.count)
	}
	if utf8.RuneCountInString(line) >= pr.width {
		line = string([]rune(line)[:pr.width-2]) + "…"
	}
	fmt.Fprint(pr.w, "\r"+line+"\x1b[K")
}

// clock formats d as m:ss.
func clock(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
