package reaplat

import (
	"fmt"
	"io"
	"time"
)

// progress prints rate-limited progress lines to stderr for one phase:
// at most one line per second, plus the final one.
type progress struct {
	w     io.Writer
	label string
	total int
	start time.Time // set by newProgress
	last  time.Time // last line printed
}

// newProgress announces a phase and returns its reporter.
func newProgress(w io.Writer, label string, total int) *progress {
	now := time.Now()
	fmt.Fprintf(w, "reaplat: %s ...\n", label)
	return &progress{w: w, label: label, total: total, start: now, last: now}
}

// update reports done out of total.
func (p *progress) update(done int) {
	now := time.Now()
	if done < p.total && now.Sub(p.last) < time.Second {
		return
	}
	p.last = now
	fmt.Fprintf(p.w, "reaplat: %s %d/%d (%.1fs)\n", p.label, done, p.total, now.Sub(p.start).Seconds())
}

// heartbeat announces a phase that cannot count its progress and prints
// the elapsed time every two seconds until the returned stop is called;
// stop prints the final line and waits for the printer to return.
func heartbeat(w io.Writer, label string) (stop func()) {
	start := time.Now()
	fmt.Fprintf(w, "reaplat: %s ...\n", label)
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(w, "reaplat: %s still running (%.0fs)\n", label, time.Since(start).Seconds())
			}
		}
	}()
	return func() {
		close(done)
		<-exited
		fmt.Fprintf(w, "reaplat: %s done (%.1fs)\n", label, time.Since(start).Seconds())
	}
}
