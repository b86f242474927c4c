package testutil

import (
	"maps"
	"slices"
	"sync"
	"testing"
	"time"
)

// Recorder collects what callbacks report, by key (a pid), and lets a
// test wait for a number of reports. It is safe for concurrent use.
type Recorder[R any] struct {
	mu   sync.Mutex
	got  map[int][]R
	n    int
	kick chan struct{} // a token after each report
}

// NewRecorder returns an empty Recorder.
func NewRecorder[R any]() *Recorder[R] {
	return &Recorder[R]{got: make(map[int][]R), kick: make(chan struct{}, 1)}
}

// Add records v under key.
func (r *Recorder[R]) Add(key int, v R) {
	r.mu.Lock()
	r.got[key] = append(r.got[key], v)
	r.n++
	r.mu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Count reports how many reports arrived.
func (r *Recorder[R]) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// Of returns a copy of the reports under key.
func (r *Recorder[R]) Of(key int) []R {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got[key])
}

// All returns a copy of every report, by key.
func (r *Recorder[R]) All() map[int][]R {
	r.mu.Lock()
	defer r.mu.Unlock()
	all := maps.Clone(r.got)
	for k, v := range all {
		all[k] = slices.Clone(v)
	}
	return all
}

// Wait blocks until n reports have arrived, failing t after within.
func (r *Recorder[R]) Wait(t testing.TB, n int, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for r.Count() < n {
		select {
		case <-r.kick:
		case <-deadline:
			t.Fatalf("only %d of %d callbacks arrived within %v", r.Count(), n, within)
		}
	}
}

// WaitKey blocks until a report under key has arrived and returns the
// first, failing t after within.
func (r *Recorder[R]) WaitKey(t testing.TB, key int, within time.Duration) R {
	t.Helper()
	deadline := time.After(within)
	for {
		if got := r.Of(key); len(got) > 0 {
			return got[0]
		}
		select {
		case <-r.kick:
		case <-deadline:
			t.Fatalf("no callback for %d within %v", key, within)
		}
	}
}
