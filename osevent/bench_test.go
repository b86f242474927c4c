//go:build unix

package osevent

import (
	"testing"
	"time"

	"github.com/childloop/childloop/hooks"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// Checks inside a timed loop stay `if err != nil { b.Fatal(err) }`: require
// calls b.Helper on every call, even when the check passes, and that cost
// would be measured with each iteration.

// captureHooks is a minimal hooks.OSEvents that remembers the last fd
// target, so that benchmarks measure the registry alone.
type captureHooks struct {
	target hooks.FDTarget
}

func (c *captureHooks) RegisterFD(_ int, _ hooks.Events, t hooks.FDTarget) (hooks.Registration, error) {
	c.target = t
	return nil, nil
}
func (c *captureHooks) ModifyFD(reg hooks.Registration, _ int, _ hooks.Events) (hooks.Registration, error) {
	return reg, nil
}
func (c *captureHooks) DeregisterFD(hooks.Registration, int) {}
func (c *captureHooks) RegisterTimeout(time.Time, hooks.TimeoutTarget) (hooks.Registration, error) {
	return nil, nil
}
func (c *captureHooks) ModifyTimeout(reg hooks.Registration, _ time.Time) (hooks.Registration, error) {
	return reg, nil
}
func (c *captureHooks) DeregisterTimeout(hooks.Registration) {}

// newCaptured registers fd 3 for In with fn on a registry over captureHooks
// and returns the registration and the target the application would call.
func newCaptured(tb testing.TB, fn func(fd int, revents hooks.Events)) (*FD, hooks.FDTarget) {
	tb.Helper()
	h := &captureHooks{}
	r := New(h)
	tb.Cleanup(r.Close)
	f, err := r.RegisterFD(3, hooks.In, fn)
	require.NoError(tb, err)
	return f, h.target
}

func BenchmarkFDOccurred(b *testing.B) {
	n := 0
	_, target := newCaptured(b, func(int, hooks.Events) { n++ })
	b.ReportAllocs()
	for b.Loop() {
		_ = target.FDOccurred(3, hooks.In)
	}
	require.NotZero(b, n, "no callback")
}

func BenchmarkFDOccurredStale(b *testing.B) {
	f, target := newCaptured(b, func(int, hooks.Events) { require.Fail(b, "stale callback") })
	f.Deregister()
	b.ReportAllocs()
	for b.Loop() {
		_ = target.FDOccurred(3, hooks.In)
	}
}

func BenchmarkTimeoutRegisterDeregister(b *testing.B) {
	_, r := newPollRegistry(b)
	deadline := time.Now().Add(time.Hour)
	fn := func() {}
	b.ReportAllocs()
	for b.Loop() {
		t, err := r.RegisterTimeout(deadline, fn)
		if err != nil {
			b.Fatal(err)
		}
		t.Deregister()
	}
}

// BenchmarkPollRound16 measures BeforePoll plus AfterPoll with 16 fd
// registrations, all reported readable (the poll(2) call itself excluded).
func BenchmarkPollRound16(b *testing.B) {
	p, r := newPollRegistry(b)
	n := 0
	for fd := 100; fd < 116; fd++ {
		_, err := r.RegisterFD(fd, hooks.In, func(int, hooks.Events) { n++ })
		require.NoError(b, err)
	}
	arr := make([]unix.PollFd, 0, 32)
	b.ReportAllocs()
	for b.Loop() {
		arr, _ = p.BeforePoll(arr[:0], -1, time.Now())
		for i := 1; i < len(arr); i++ {
			arr[i].Revents = unix.POLLIN
		}
		if err := p.AfterPoll(arr, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	require.NotZero(b, n, "no callback")
}

func TestDispatchDoesNotAllocate(t *testing.T) {
	_, target := newCaptured(t, func(int, hooks.Events) {})
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = target.FDOccurred(3, hooks.In) }), "FDOccurred's allocations per call")
}
