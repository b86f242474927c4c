//go:build unix

package osevent

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func writeByte(t *testing.T, fd int) {
	t.Helper()
	_, err := unix.Write(fd, []byte{'x'})
	require.NoError(t, err)
}

// pollOnce runs poll(2), retrying on EINTR.
func pollOnce(t *testing.T, fds []unix.PollFd, ms int) {
	t.Helper()
	for {
		_, err := unix.Poll(fds, ms)
		if err != unix.EINTR {
			require.NoError(t, err)
			return
		}
	}
}

func newPollRegistry(t testing.TB) (*PollArray, *Registry) {
	t.Helper()
	p, err := NewPollArray()
	require.NoError(t, err)
	r := New(p)
	t.Cleanup(func() {
		r.Close()
		fds, tos := p.counts()
		assert.Equal(t, [2]int{0, 0}, [2]int{fds, tos}, "PollArray registrations left after Registry.Close")
		require.NoError(t, p.Close())
		require.NoError(t, p.Close())
	})
	return p, r
}

// rawFDTarget is a hooks.FDTarget that filters nothing, so that tests see
// exactly what PollArray itself delivers.
type rawFDTarget func(fd int, revents hooks.Events)

func (f rawFDTarget) FDOccurred(fd int, revents hooks.Events) error {
	f(fd, revents)
	return nil
}

// watcher registers fd for In and returns a function deregistering it.
type watcher func(fd int, fn func(fd int, revents hooks.Events)) (deregister func())

// viaRegistry registers through a Registry (which filters stale
// occurrences itself); viaRaw registers raw targets on the PollArray, so
// that only the PollArray's own staleness checks protect them.
func viaRegistry(t *testing.T, _ *PollArray, r *Registry) watcher {
	return func(fd int, fn func(fd int, revents hooks.Events)) func() {
		f, err := r.RegisterFD(fd, hooks.In, fn)
		require.NoError(t, err)
		return f.Deregister
	}
}

func viaRaw(t *testing.T, p *PollArray, _ *Registry) watcher {
	return func(fd int, fn func(fd int, revents hooks.Events)) func() {
		reg, err := p.RegisterFD(fd, hooks.In, rawFDTarget(fn))
		require.NoError(t, err)
		return func() { p.DeregisterFD(reg, fd) }
	}
}

// libxl's test_fdderegrace: an fd is deregistered, closed and its number
// reused by a new registration between BeforePoll and AfterPoll; another is
// deregistered and closed, so that poll reports POLLNVAL for it.
func TestFDDeregRace(t *testing.T) {
	for name, via := range map[string]func(*testing.T, *PollArray, *Registry) watcher{
		"registry": viaRegistry, "raw": viaRaw,
	} {
		t.Run(name, func(t *testing.T) { testFDDeregRace(t, via) })
	}
}

func testFDDeregRace(t *testing.T, via func(*testing.T, *PollArray, *Registry) watcher) {
	testutil.CheckFDLeak(t)
	p, r := newPollRegistry(t)
	watch := via(t, p, r)

	oldPipe := testutil.Pipe(t)
	closedPipe := testutil.Pipe(t)
	writeByte(t, oldPipe[1])
	writeByte(t, closedPipe[1])
	oldCalls := 0
	deregOld := watch(oldPipe[0], func(int, hooks.Events) { oldCalls++ })
	deregClosed := watch(closedPipe[0], func(int, hooks.Events) { oldCalls++ })

	arr, ms := p.BeforePoll(nil, -1, time.Now())
	assert.Equal(t, -1, ms)
	require.Equal(t, 3, len(arr))

	// One fd is closed and its number comes back for a new pipe, which is
	// readable too, with a new registration.
	deregOld()
	oldFD := oldPipe[0]
	require.NoError(t, unix.Close(oldPipe[0]))
	oldPipe[0] = -1
	// The lowest free number is oldFD, so a new pipe's read end reuses
	// it (the test does not run in parallel with others opening fds).
	newPipe := testutil.Pipe(t)
	require.Equal(t, oldFD, newPipe[0], "fd number reused")
	writeByte(t, newPipe[1])
	var newCalls []hooks.Events
	deregNew := watch(newPipe[0], func(_ int, ev hooks.Events) { newCalls = append(newCalls, ev) })

	// Another fd is closed and not reused: poll reports POLLNVAL for it.
	deregClosed()
	closedFD := closedPipe[0]
	require.NoError(t, unix.Close(closedFD))
	closedPipe[0] = -1

	pollOnce(t, arr, 0)
	var sawNval, sawIn bool
	for _, e := range arr[1:] {
		sawNval = sawNval || (e.Fd == int32(closedFD) && e.Revents&unix.POLLNVAL != 0)
		sawIn = sawIn || (e.Fd == int32(oldFD) && e.Revents&unix.POLLIN != 0)
	}
	require.True(t, sawNval, "poll reported POLLNVAL for the closed fd")
	require.True(t, sawIn, "poll reported the reused fd readable")
	require.NoError(t, p.AfterPoll(arr, time.Now()))
	assert.Equal(t, 0, oldCalls)
	assert.Empty(t, newCalls, "no callback to the new registration for the old array's event")

	// Next round: the new registration works.
	arr, _ = p.BeforePoll(arr[:0], -1, time.Now())
	require.Equal(t, 2, len(arr))
	pollOnce(t, arr, 10_000)
	require.NoError(t, p.AfterPoll(arr, time.Now()))
	assert.Equal(t, []hooks.Events{hooks.In}, newCalls)
	deregNew()
}

// The application's own entries stay in front and untouched; arrays that
// are nil, empty or too small grow.
func TestPollArrayWithApplicationFDs(t *testing.T) {
	testutil.CheckFDLeak(t)
	for _, tc := range []struct {
		name string
		app  []unix.PollFd
	}{
		{"nil", nil},
		{"zero-capacity", make([]unix.PollFd, 0)},
		{"app-fd-full", nil}, // filled below: len == cap
		{"app-fd-roomy", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, r := newPollRegistry(t)
			appPipe := testutil.Pipe(t)
			libPipe := testutil.Pipe(t)
			idlePipe := testutil.Pipe(t)
			writeByte(t, appPipe[1])
			writeByte(t, libPipe[1])
			app := tc.app
			appEntry := unix.PollFd{Fd: int32(appPipe[0]), Events: unix.POLLIN}
			switch tc.name {
			case "app-fd-full":
				app = []unix.PollFd{appEntry}
			case "app-fd-roomy":
				app = make([]unix.PollFd, 1, 16)
				app[0] = appEntry
			}
			nApp := len(app)
			var got []fdCall
			_, err := r.RegisterFD(libPipe[0], hooks.In, recordFD(&got))
			require.NoError(t, err)
			_, err = r.RegisterFD(idlePipe[0], hooks.In, recordFD(&got))
			require.NoError(t, err)
			_, err = r.RegisterFD(idlePipe[1], 0, recordFD(&got)) // empty mask: not in the array
			require.NoError(t, err)
			fired := false
			_, err = r.RegisterTimeout(time.Now().Add(time.Hour), func() { fired = true })
			require.NoError(t, err)

			now := time.Now()
			arr, ms := p.BeforePoll(app, 5000, now)
			require.Equal(t, nApp+3, len(arr))
			if nApp > 0 {
				assert.Equal(t, appEntry, arr[0])
			}
			assert.Equal(t, 5000, ms, "a timeout an hour away does not lower 5 s")
			_, ms = p.BeforePoll(app, -1, now)
			assert.True(t, ms > 3590_000 && ms <= 3600_000, "infinite lowered to the hour", ms)
			arr, _ = p.BeforePoll(app, 5000, now)

			pollOnce(t, arr, 5000)
			if nApp > 0 {
				assert.Equal(t, int16(unix.POLLIN), arr[0].Revents&unix.POLLIN)
			}
			require.NoError(t, p.AfterPoll(arr, time.Now()))
			assert.Equal(t, []fdCall{{libPipe[0], hooks.In}}, got)
			if nApp > 0 {
				assert.Equal(t, appEntry.Fd, arr[0].Fd, "application entry untouched")
			}
			assert.False(t, fired)
		})
	}
}

func TestAfterPollMismatchAndClosed(t *testing.T) {
	testutil.CheckFDLeak(t)
	p, err := NewPollArray()
	require.NoError(t, err)
	arr, _ := p.BeforePoll(nil, -1, time.Now())
	assert.ErrorIs(t, p.AfterPoll(arr[:0], time.Now()), os.ErrInvalid)
	require.NoError(t, p.AfterPoll(nil, time.Now()), "no BeforePoll: only timeouts")
	require.NoError(t, p.Close())
	arr, ms := p.BeforePoll(nil, 7, time.Now())
	assert.Equal(t, 0, len(arr))
	assert.Equal(t, 7, ms)
	assert.ErrorIs(t, p.AfterPoll(arr, time.Now()), fs.ErrClosed)
	_, err = New(p).RegisterFD(0, hooks.In, func(int, hooks.Events) {})
	assert.ErrorIs(t, err, fs.ErrClosed)
}

// Bad input to the PollArray's hooks gets an error (or, for a nil target,
// a panic at the call) and changes nothing.
func TestPollArrayBadInput(t *testing.T) {
	p, err := NewPollArray()
	require.NoError(t, err)
	defer p.Close()
	assert.Panics(t, func() { _, _ = p.RegisterFD(0, hooks.In, nil) })
	assert.Panics(t, func() { _, _ = p.RegisterTimeout(time.Time{}, nil) })
	target := rawFDTarget(func(int, hooks.Events) {})
	_, err = p.RegisterFD(-1, hooks.In, target)
	assert.ErrorIs(t, err, os.ErrInvalid)
	_, err = p.RegisterFD(0, hooks.Hup, target)
	assert.ErrorIs(t, err, os.ErrInvalid)
	reg, err := p.RegisterFD(0, hooks.In, target)
	require.NoError(t, err)
	_, err = p.ModifyFD(reg, 0, hooks.Fault)
	assert.ErrorIs(t, err, os.ErrInvalid)
	_, err = p.ModifyFD(reg, 1, hooks.Out)
	assert.ErrorIs(t, err, hooks.ErrNotArmed, "wrong fd")
	_, err = p.ModifyFD("junk", 0, hooks.Out)
	assert.ErrorIs(t, err, hooks.ErrNotArmed)
	_, err = p.ModifyTimeout("junk", time.Time{})
	assert.ErrorIs(t, err, hooks.ErrNotArmed)
	p.DeregisterFD("junk", 0)
	p.DeregisterTimeout("junk")
	arr, ms := p.BeforePoll(nil, -1, time.Now())
	assert.Equal(t, -1, ms)
	require.Equal(t, 2, len(arr))
	assert.Equal(t, unix.PollFd{Fd: 0, Events: unix.POLLIN}, arr[1], "mask unchanged")
	p.DeregisterFD(reg, 0)
	_, err = p.ModifyFD(reg, 0, hooks.Out)
	assert.ErrorIs(t, err, hooks.ErrNotArmed, "deregistered")
	fds, tos := p.counts()
	assert.Equal(t, [2]int{0, 0}, [2]int{fds, tos})
}

func TestLowerTimeout(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		ms       int
		deadline time.Time
		want     int
	}{
		{-1, time.Time{}, 0},
		{100, time.Time{}, 0},
		{-1, now.Add(-time.Second), 0},
		{-1, now.Add(150 * time.Millisecond), 150},
		{1000, now.Add(150 * time.Millisecond), 150},
		{50, now.Add(150 * time.Millisecond), 50},
		{-1, now.Add(1500 * time.Microsecond), 2},
		{-1, now.Add(100 * time.Hour * 24 * 365), 1<<31 - 1},
	} {
		assert.Equal(t, tc.want, lowerTimeout(tc.ms, tc.deadline, now), tc)
	}
}

// waitInStack waits until some goroutine's stack contains fn. It may run
// off the test goroutine, so it reports a failure with assert and returns.
func waitInStack(t *testing.T, fn string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	buf := make([]byte, 1<<20)
	for time.Now().Before(deadline) {
		n := runtime.Stack(buf, true)
		if bytes.Contains(buf[:n], []byte(fn)) {
			return
		}
		runtime.Gosched()
	}
	assert.Fail(t, "no goroutine in "+fn)
}

// Registrations from another goroutine while the application is blocked
// in an infinite poll wake it, with one collapsed write.
func TestPollArrayWakesBlockedPoll(t *testing.T) {
	testutil.CheckFDLeak(t)
	p, r := newPollRegistry(t)
	lib := testutil.Pipe(t)
	writeByte(t, lib[1])
	var got []fdCall
	regDone := make(chan error, 1)
	arr, ms := p.BeforePoll(nil, -1, time.Now())
	require.Equal(t, -1, ms)
	go func() {
		waitInStack(t, "unix.Poll(")
		var errs []error
		for range 3 {
			_, err := r.RegisterFD(lib[0], hooks.In, recordFD(&got))
			errs = append(errs, err)
		}
		_, err := r.RegisterTimeout(time.Now().Add(time.Hour), func() {})
		regDone <- errors.Join(append(errs, err)...)
	}()
	within(t, 10*time.Second, func() { // pollOnce, with assert: off the test goroutine
		for {
			_, err := unix.Poll(arr, -1)
			if err != unix.EINTR {
				assert.NoError(t, err)
				return
			}
		}
	})
	require.NoError(t, <-regDone)
	require.Equal(t, int16(unix.POLLIN), arr[0].Revents)
	if runtime.GOOS == "linux" {
		// Four changes, one write: the eventfd counter is 1.
		var b [8]byte
		_, err := unix.Read(int(arr[0].Fd), b[:])
		require.NoError(t, err)
		assert.Equal(t, uint64(1), binary.NativeEndian.Uint64(b[:]))
		writeByte8(t, int(arr[0].Fd)) // put it back for AfterPoll to drain
	}
	require.NoError(t, p.AfterPoll(arr, time.Now()))
	assert.Empty(t, got)
	assert.False(t, p.wake.Pending())

	arr, ms = p.BeforePoll(arr[:0], -1, time.Now())
	require.Equal(t, 4, len(arr))
	assert.True(t, ms > 0)
	pollOnce(t, arr, 0)
	assert.Equal(t, int16(0), arr[0].Revents, "wake fd drained")
	require.NoError(t, p.AfterPoll(arr, time.Now()))
	assert.Equal(t, 3, len(got))
}

func writeByte8(t *testing.T, fd int) {
	t.Helper()
	var b [8]byte
	binary.NativeEndian.PutUint64(b[:], 1)
	_, err := unix.Write(fd, b[:])
	require.NoError(t, err)
}

func TestWakeFDFlags(t *testing.T) {
	testutil.CheckFDLeak(t)
	p, err := NewPollArray()
	require.NoError(t, err)
	defer p.Close()
	for _, fd := range []int{p.wake.R, p.wake.W} {
		fdFlags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		require.NoError(t, err)
		assert.True(t, fdFlags&unix.FD_CLOEXEC != 0, "close-on-exec", fd)
		flFlags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
		require.NoError(t, err)
		assert.True(t, flFlags&unix.O_NONBLOCK != 0, "non-blocking", fd)
	}
	// Wake itself (saturation included) is internal/sysfd's TestWaker.
	require.NoError(t, p.Close())
	assert.Equal(t, -1, p.wake.R)
}
