package loop

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

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
		p := testutil.Pipe(t)
		registered := make(chan struct{})
		go func() { // registrations from a third goroutine
			defer close(registered)
			var w *Watcher
			w, err := l.Watch(p[0], hooks.In, func(int, hooks.Events) error {
				w.Stop()
				check()
				return nil
			})
			if !assert.NoError(t, err) {
				return
			}
			_, err = l.AddTimer(time.Now(), func() error { check(); return nil })
			assert.NoError(t, err)
			// Not write1: its require must not run off the test goroutine.
			_, err = unix.Write(p[1], []byte{1})
			assert.NoError(t, err)
		}()
		<-registered
		require.NoError(t, <-done)
		assert.Equal(t, int32(2), calls.Load(), "callbacks")
		assert.Zero(t, wrong.Load(), "callbacks off the Run goroutine")
	})
}
