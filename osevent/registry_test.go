package osevent

import (
	"errors"
	"io/fs"
	"os"
	"testing"
	"time"

	"github.com/childloop/childloop/hooks"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fdCall struct {
	fd      int
	revents hooks.Events
}

func recordFD(calls *[]fdCall) func(fd int, revents hooks.Events) {
	return func(fd int, revents hooks.Events) { *calls = append(*calls, fdCall{fd, revents}) }
}

func TestNewNilHooksPanics(t *testing.T) {
	assert.Panics(t, func() { New(nil) })
}

func TestRegisterFDBadInput(t *testing.T) {
	h := newFakeHooks()
	r := New(h)
	defer r.Close()
	nop := func(int, hooks.Events) {}
	assert.Panics(t, func() { _, _ = r.RegisterFD(3, hooks.In, nil) })
	assert.Panics(t, func() { _, _ = r.RegisterTimeout(time.Time{}, nil) })
	_, err := r.RegisterFD(-1, hooks.In, nop)
	assert.ErrorIs(t, err, os.ErrInvalid)
	_, err = r.RegisterFD(3, hooks.In|hooks.Hup, nop)
	assert.ErrorIs(t, err, os.ErrInvalid)
	f, err := r.RegisterFD(3, hooks.In, nop)
	require.NoError(t, err)
	assert.ErrorIs(t, f.Modify(hooks.Nval), os.ErrInvalid)
	assert.Equal(t, hooks.In, f.mask())
	assert.Equal(t, 0, len(h.violations))
}

func TestFDDeliveryMasksAndStaleness(t *testing.T) {
	h := newFakeHooks()
	r := New(h)
	defer r.Close()
	var calls []fdCall
	f, err := r.RegisterFD(7, hooks.In, recordFD(&calls))
	require.NoError(t, err)
	assert.Equal(t, 7, f.fd)
	reg := h.onlyFD()
	require.NotNil(t, reg)
	assert.Equal(t, hooks.In, reg.events)
	target := reg.target

	require.NoError(t, target.FDOccurred(7, hooks.In|hooks.Out|hooks.Hup))
	require.NoError(t, target.FDOccurred(7, hooks.Out)) // masked to zero: nothing
	require.NoError(t, target.FDOccurred(8, hooks.In))  // wrong fd: ignored
	assert.Equal(t, []fdCall{{7, hooks.In | hooks.Hup}}, calls)

	// Modify to a mask that excludes In: a late In is ignored.
	require.NoError(t, f.Modify(hooks.Out))
	assert.Equal(t, hooks.Out, reg.events)
	calls = nil
	require.NoError(t, target.FDOccurred(7, hooks.In))
	assert.Empty(t, calls)
	require.NoError(t, target.FDOccurred(7, hooks.In|hooks.Out))
	assert.Equal(t, []fdCall{{7, hooks.Out}}, calls)

	// Empty mask: nothing at all, not even Err/Hup/Nval.
	require.NoError(t, f.Modify(0))
	calls = nil
	require.NoError(t, target.FDOccurred(7, hooks.Fault|hooks.Hup|hooks.Nval|hooks.In))
	assert.Empty(t, calls)

	// Deregister; the same fd number registered again gets a new target,
	// and the old target's occurrences never reach the new callback.
	f.Deregister()
	f.Deregister() // idempotent
	assert.ErrorIs(t, f.Modify(hooks.In), hooks.ErrNotArmed)
	var calls2 []fdCall
	f2, err := r.RegisterFD(7, hooks.In, recordFD(&calls2))
	require.NoError(t, err)
	require.NoError(t, target.FDOccurred(7, hooks.In))
	assert.Empty(t, calls)
	assert.Empty(t, calls2)
	reg2 := h.onlyFD()
	require.NotNil(t, reg2)
	assert.NotSame(t, target, reg2.target)
	require.NoError(t, reg2.target.FDOccurred(7, hooks.In))
	assert.Equal(t, []fdCall{{7, hooks.In}}, calls2)
	f2.Deregister()
	assert.Empty(t, h.violations)
}

func TestZeroEventRegistration(t *testing.T) {
	h := newFakeHooks()
	r := New(h)
	defer r.Close()
	called := false
	f, err := r.RegisterFD(4, 0, func(int, hooks.Events) { called = true })
	require.NoError(t, err)
	reg := h.onlyFD()
	require.NotNil(t, reg)
	assert.Equal(t, hooks.Events(0), reg.events)
	require.NoError(t, reg.target.FDOccurred(4, hooks.Fault|hooks.Hup|hooks.Nval))
	assert.False(t, called)
	require.NoError(t, f.Modify(hooks.In))
	require.NoError(t, reg.target.FDOccurred(4, hooks.Hup))
	assert.True(t, called)
}

func TestHookFailureLeavesStateUnchanged(t *testing.T) {
	h := newFakeHooks()
	r := New(h)
	defer r.Close()
	nop := func(int, hooks.Events) {}

	h.failNextWith(errHook)
	f, err := r.RegisterFD(5, hooks.In, nop)
	assert.Nil(t, f)
	assert.ErrorIs(t, err, errHook)
	assert.EqualError(t, err, "osevent: register fd 5: fake hook failure")
	fds, tos := r.counts()
	assert.Equal(t, [2]int{0, 0}, [2]int{fds, tos})

	f, err = r.RegisterFD(5, hooks.In, nop)
	require.NoError(t, err)
	h.failNextWith(errHook)
	err = f.Modify(hooks.Out)
	assert.ErrorIs(t, err, errHook)
	assert.Equal(t, hooks.In, f.mask(), "old mask kept")
	var got hooks.Events
	f2, err := r.RegisterFD(6, hooks.In, func(_ int, ev hooks.Events) { got = ev })
	require.NoError(t, err)
	h.failNextWith(errHook)
	require.ErrorIs(t, f2.Modify(hooks.Out), errHook)
	for reg := range h.fds {
		if reg.fd == 6 {
			require.NoError(t, reg.target.FDOccurred(6, hooks.In|hooks.Out))
		}
	}
	assert.Equal(t, hooks.In, got, "delivery still uses the old mask")

	h.failNextWith(errHook)
	tm, err := r.RegisterTimeout(time.Now(), func() {})
	assert.Nil(t, tm)
	assert.ErrorIs(t, err, errHook)
	tm, err = r.RegisterTimeout(time.Now().Add(time.Hour), func() {})
	require.NoError(t, err)
	h.failNextWith(errHook)
	assert.ErrorIs(t, tm.Modify(time.Time{}), errHook)
	assert.True(t, tm.isArmed())

	fds, tos = r.counts()
	hf, ht := h.counts()
	assert.Equal(t, [2]int{hf, ht}, [2]int{fds, tos})
	assert.Equal(t, [2]int{2, 1}, [2]int{fds, tos})
	assert.Empty(t, h.violations)
}

func TestTimeoutOneShot(t *testing.T) {
	h := newFakeHooks()
	r := New(h)
	defer r.Close()
	fired := 0
	tm, err := r.RegisterTimeout(time.Time{}, func() { fired++ })
	require.NoError(t, err)
	ft := h.onlyTimeout()
	require.NotNil(t, ft)
	require.NoError(t, h.fire(ft))
	require.NoError(t, ft.target.TimeoutOccurred()) // duplicate: stale
	assert.Equal(t, 1, fired)
	assert.False(t, tm.isArmed())
	assert.ErrorIs(t, tm.Modify(time.Now()), hooks.ErrNotArmed)
	tm.Deregister() // no-op: no hook call for a consumed timeout
	assert.Empty(t, h.violations)

	// Deregistered, then a late occurrence: ignored.
	tm2, err := r.RegisterTimeout(time.Now().Add(time.Hour), func() { fired++ })
	require.NoError(t, err)
	ft2 := h.onlyTimeout()
	tm2.Deregister()
	require.NoError(t, ft2.target.TimeoutOccurred())
	assert.Equal(t, 1, fired)

	// Modified to ASAP while the application is already firing it: one call.
	tm3, err := r.RegisterTimeout(time.Now().Add(time.Hour), func() { fired++ })
	require.NoError(t, err)
	ft3 := h.onlyTimeout()
	require.NoError(t, tm3.Modify(time.Time{}))
	assert.True(t, ft3.deadline.IsZero())
	require.NoError(t, h.fire(ft3))
	require.NoError(t, ft3.target.TimeoutOccurred())
	assert.Equal(t, 2, fired)
	assert.Empty(t, h.violations)
}

func TestTimeoutCallbackTouchesItself(t *testing.T) {
	h := newFakeHooks()
	r := New(h)
	defer r.Close()
	var tm *Timeout
	var modErr error
	tm, err := r.RegisterTimeout(time.Time{}, func() {
		modErr = tm.Modify(time.Time{})
		tm.Deregister()
	})
	require.NoError(t, err)
	require.NoError(t, h.fire(h.onlyTimeout()))
	assert.ErrorIs(t, modErr, hooks.ErrNotArmed)
	assert.Empty(t, h.violations)
}

func TestCallbackMayChangeEverything(t *testing.T) {
	h := newFakeHooks()
	r := New(h)
	var f *FD
	var inner *FD
	var innerErr error
	f, err := r.RegisterFD(3, hooks.In, func(int, hooks.Events) {
		require.NoError(t, f.Modify(hooks.Out))
		inner, innerErr = r.RegisterFD(4, hooks.In, func(int, hooks.Events) {})
		f.Deregister()
		r.Close()
	})
	require.NoError(t, err)
	require.NoError(t, h.onlyFD().target.FDOccurred(3, hooks.In))
	require.NoError(t, innerErr)
	require.NotNil(t, inner)
	_, err = r.RegisterFD(5, hooks.In, func(int, hooks.Events) {})
	assert.ErrorIs(t, err, fs.ErrClosed)
	assert.ErrorIs(t, inner.Modify(hooks.In), fs.ErrClosed)
	fds, tos := r.counts()
	assert.Zero(t, fds+tos)
	hf, ht := h.counts()
	assert.Zero(t, hf+ht)
	assert.Empty(t, h.violations)
}

func TestCloseDeregistersEverything(t *testing.T) {
	h := newFakeHooks()
	r := New(h)
	called := false
	for fd := range 5 {
		_, err := r.RegisterFD(fd, hooks.In, func(int, hooks.Events) { called = true })
		require.NoError(t, err)
	}
	tm, err := r.RegisterTimeout(time.Time{}, func() { called = true })
	require.NoError(t, err)
	var targets []hooks.FDTarget
	for reg := range h.fds {
		targets = append(targets, reg.target)
	}
	ft := h.onlyTimeout()
	r.Close()
	r.Close()
	hf, ht := h.counts()
	assert.Zero(t, hf+ht)
	fds, tos := r.counts()
	assert.Zero(t, fds+tos)
	for i, tg := range targets {
		require.NoError(t, tg.FDOccurred(i, hooks.In|hooks.Nval))
	}
	require.NoError(t, ft.target.TimeoutOccurred())
	assert.False(t, called)
	assert.False(t, tm.isArmed())
	_, err = r.RegisterTimeout(time.Time{}, func() {})
	assert.True(t, errors.Is(err, fs.ErrClosed))
	assert.Empty(t, h.violations)
}

func TestCalledFromHook(t *testing.T) {
	assert.False(t, calledFromHook())
	h := newFakeHooks()
	r := New(h)
	defer r.Close()
	var inside bool
	h.setInHook(func(string) { inside = calledFromHook() })
	_, err := r.RegisterTimeout(time.Time{}, func() {})
	require.NoError(t, err)
	assert.True(t, inside)
}
