package loop

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/childloop/childloop/hooks"
)

// openFDs lists the process's open fds.
func openFDs(t *testing.T) map[int]bool {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	fds := make(map[int]bool)
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == unix.EBADF {
			continue // ReadDir's own fd, closed by now
		}
		fds[fd] = true
	}
	return fds
}

// TestNoFDLeak uses a loop fully (watchers, timers, wakes, a run) and checks
// that Close leaves no fd behind. (Goroutine leaks are checked for every
// test by goleak in TestMain.)
func TestNoFDLeak(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.String(), func(t *testing.T) {
			p := pipe(t)
			write1(t, p[1])
			before := openFDs(t)
			l, err := newLoop(b)
			require.NoError(t, err)
			_, err = l.Watch(p[0], hooks.In, func(int, hooks.Events) error { return nil })
			require.NoError(t, err)
			_, err = l.AddTimer(time.Now().Add(time.Hour), func() error { return nil })
			require.NoError(t, err)
			l.Wake()
			require.NoError(t, l.RunOnce(true))
			var created int
			for fd := range openFDs(t) {
				flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
				if before[fd] {
					continue
				}
				created++
				if assert.NoError(t, err, "fd %d: F_GETFD", fd) {
					assert.NotZero(t, flags&unix.FD_CLOEXEC, "fd %d: flags %#x: not close-on-exec", fd, flags)
				}
			}
			require.NotZero(t, created, "New opened no fd: the check cannot work")
			require.NoError(t, l.Close())
			assert.Equal(t, before, openFDs(t), "fds open before New (expected) and after Close (actual)")
		})
	}
}
