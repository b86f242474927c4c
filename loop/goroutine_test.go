package loop

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/testutil"
)

// TestCallbacksOnRunGoroutine guards, for the loop, the invariant that callbacks run on the Run goroutine: fd and timer
// callbacks registered from other goroutines run on the goroutine that
// calls Run.
func TestCallbacksOnRunGoroutine(t *testing.T) {
	forBackends(t, func(t *testing.T, l *Loop) {
		watchdog(t, l)
		runner := make(chan int, 1)
		done := make(chan error, 1)
		go func() {
			runner <- testutil.GoID()
			done <- l.Run()
		}()
		want := <-runner
		var wrong, calls atomic.Int32
		check := func() {
			if testutil.GoID() != want {
				wrong.Add(1)
			}
			if calls.Add(1) == 2 {
				l.Stop()
			}
		}
		p := pipe(t)
		registered := make(chan struct{})
		go func() { // registrations from a third goroutine
			defer close(registered)
			var w *Watcher
			w, err := l.Watch(p[0], hooks.In, func(int, hooks.Events) error {
				w.Stop()
				check()
				return nil
			})
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := l.AddTimer(time.Now(), func() error { check(); return nil }); err != nil {
				t.Error(err)
			}
			write1(t, p[1])
		}()
		<-registered
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if calls.Load() != 2 || wrong.Load() != 0 {
			t.Errorf("%d callbacks, %d of them off the Run goroutine", calls.Load(), wrong.Load())
		}
	})
}
