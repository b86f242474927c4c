package osevent

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/childloop/childloop/hooks"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// within runs fn on a new goroutine (so fn may use assert, not require)
// and, if it has not returned after d (a deadlock guard, not a speed
// assertion), prints every goroutine's stack and exits the test binary with
// a failure. It does not stop the test (FailNow) or panic, because the
// test's deferred cleanups would then block on the deadlocked registry.
func within(t *testing.T, d time.Duration, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(d):
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		fmt.Fprintf(os.Stderr, "--- FAIL: %s: deadlock: call did not return within %v\n%s\n", t.Name(), d, buf)
		os.Exit(1)
	}
}

func TestReentrantOccurrenceFromHook(t *testing.T) {
	h := newFakeHooks()
	r := New(h)
	defer r.Close()
	called := 0
	_, err := r.RegisterFD(3, hooks.In, func(int, hooks.Events) { called++ })
	require.NoError(t, err)
	target := h.onlyFD().target
	_, err = r.RegisterTimeout(time.Now().Add(time.Hour), func() { called++ })
	require.NoError(t, err)
	tt := h.onlyTimeout().target

	var fdErr, toErr, regErr, modErr error
	var f2 *FD
	h.setInHook(func(op string) {
		if op != "RegisterFD" {
			return
		}
		fdErr = target.FDOccurred(3, hooks.In)
		toErr = tt.TimeoutOccurred()
		_, regErr = r.RegisterTimeout(time.Time{}, func() {})
		if f2 != nil {
			modErr = f2.Modify(hooks.Out)
		}
		assert.Panics(t, func() { r.counts() })
	})
	within(t, 10*time.Second, func() {
		f2, err = r.RegisterFD(4, hooks.In, func(int, hooks.Events) {})
		_, err = r.RegisterFD(5, hooks.In, func(int, hooks.Events) {})
	})
	require.NoError(t, err)
	assert.ErrorIs(t, fdErr, hooks.ErrReentrant)
	assert.ErrorIs(t, toErr, hooks.ErrReentrant)
	assert.ErrorIs(t, regErr, hooks.ErrReentrant)
	assert.ErrorIs(t, modErr, hooks.ErrReentrant)
	assert.Equal(t, 0, called)
	h.setInHook(nil)

	// State is intact and the registry works normally afterwards.
	require.NoError(t, target.FDOccurred(3, hooks.In))
	require.NoError(t, h.fire(h.onlyTimeout()))
	assert.Equal(t, 2, called)
	fds, tos := r.counts()
	hf, ht := h.counts()
	assert.Equal(t, [2]int{hf, ht}, [2]int{fds, tos})
	assert.Equal(t, [2]int{3, 0}, [2]int{fds, tos})
}

func TestReentrantDeregisterFromHookPanics(t *testing.T) {
	h := newFakeHooks()
	r := New(h)
	defer r.Close()
	f, err := r.RegisterFD(3, hooks.In, func(int, hooks.Events) {})
	require.NoError(t, err)
	h.setInHook(func(op string) {
		if op == "ModifyFD" {
			assert.Panics(t, f.Deregister)
			assert.Panics(t, r.Close)
		}
	})
	within(t, 10*time.Second, func() { assert.NoError(t, f.Modify(hooks.Out)) })
	h.setInHook(nil)
	assert.Equal(t, hooks.Out, f.mask())
}

// While one goroutine is inside a hook (holding the registry's lock), an
// occurrence delivered from another goroutine must wait and then be
// delivered, not be reported as reentrant.
func TestConcurrentOccurrenceDuringHook(t *testing.T) {
	h := newFakeHooks()
	r := New(h)
	defer r.Close()
	delivered := make(chan hooks.Events, 1)
	_, err := r.RegisterFD(3, hooks.In, func(_ int, ev hooks.Events) { delivered <- ev })
	require.NoError(t, err)
	target := h.onlyFD().target

	inHook := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	h.setInHook(func(op string) {
		if op == "RegisterTimeout" {
			once.Do(func() { close(inHook) })
			<-release
		}
	})
	regDone := make(chan error, 1)
	go func() {
		_, err := r.RegisterTimeout(time.Now().Add(time.Hour), func() {})
		regDone <- err
	}()
	<-inHook
	occErr := make(chan error, 1)
	go func() { occErr <- target.FDOccurred(3, hooks.In) }()
	// Wait until the delivering goroutine is parked on the registry's
	// mutex, so that the occurrence really meets the held lock.
	waitBlockedIn(t, "(*fdTarget).FDOccurred")
	select {
	case err := <-occErr:
		require.Failf(t, "occurrence returned while the hook held the lock", "error: %v", err)
	case <-delivered:
		require.Fail(t, "occurrence delivered while the hook held the lock")
	default:
	}
	close(release)
	within(t, 10*time.Second, func() {
		assert.NoError(t, <-regDone)
		assert.NoError(t, <-occErr)
	})
	assert.Equal(t, hooks.In, <-delivered)
	h.setInHook(nil)
}

// waitBlockedIn waits until some goroutine is blocked acquiring a mutex
// inside a function whose name contains fn, by inspecting all stacks.
func waitBlockedIn(t *testing.T, fn string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	buf := make([]byte, 1<<20)
	for time.Now().Before(deadline) {
		n := runtime.Stack(buf, true)
		for _, g := range bytes.Split(buf[:n], []byte("\n\n")) {
			if bytes.Contains(g, []byte(fn)) && bytes.Contains(g, []byte("sync.(*Mutex).Lock")) {
				return
			}
		}
		runtime.Gosched()
	}
	require.Fail(t, "no goroutine blocked on a mutex in "+fn)
}
