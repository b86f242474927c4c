package loop

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/childloop/childloop/hooks"
)

// waitPolling returns once the loop goroutine is in (or about to enter)
// its wait, so that a test can act on a blocked loop.
func (l *Loop) waitPolling(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(failAfter)
	for {
		l.mu.Lock()
		p := l.polling
		l.mu.Unlock()
		if p {
			return
		}
		if time.Now().After(deadline) {
			assert.Fail(t, "loop never started waiting")
			return
		}
		runtime.Gosched()
	}
}

// pendingWakeWrites drains the wake fd and reports how many writes it held
// (eventfd: the counter; pipe: the bytes). The loop must not be running.
func (l *Loop) pendingWakeWrites() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := readWakeCount(l.wake.R)
	l.wake.Drain() // already empty: only re-enables writes
	return n
}

// registered counts watched fds and armed timers.
func (l *Loop) registered() (fds, timers int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.fds), l.timers.Len()
}

// afterWait makes fn run on the loop goroutine after every wait returns and
// before the loop looks at the events, as another goroutine might.
func (l *Loop) afterWait(fn func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.poller = &hookedPoller{l.poller, fn}
}

type hookedPoller struct {
	poller
	after func()
}

func (p *hookedPoller) wait(ms int) (int, error) {
	n, err := p.poller.wait(ms)
	p.after()
	return n, err
}

// events returns the watcher's current mask.
func (w *Watcher) events() hooks.Events {
	w.loop.mu.Lock()
	defer w.loop.mu.Unlock()
	return w.mask
}
