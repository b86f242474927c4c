package loop

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/testutil"
)

// TestNoFDLeak uses a loop fully (watchers, timers, wakes, a run) and checks
// that Close leaves no fd behind. (Goroutine leaks are checked for every
// test by goleak in TestMain.)
func TestNoFDLeak(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.String(), func(t *testing.T) {
			p := testutil.Pipe(t)
			write1(t, p[1])
			before, err := testutil.OpenFDs()
			require.NoError(t, err)
			l, err := newLoop(b)
			require.NoError(t, err)
			_, err = l.Watch(p[0], hooks.In, func(int, hooks.Events) error { return nil })
			require.NoError(t, err)
			_, err = l.AddTimer(time.Now().Add(time.Hour), func() error { return nil })
			require.NoError(t, err)
			l.Wake()
			require.NoError(t, l.RunOnce(true))
			during, err := testutil.OpenFDs()
			require.NoError(t, err)
			var created int
			for _, fd := range during {
				flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
				if slices.Contains(before, fd) {
					continue
				}
				created++
				if assert.NoError(t, err, "fd %d: F_GETFD", fd) {
					assert.NotZero(t, flags&unix.FD_CLOEXEC, "fd %d: flags %#x: not close-on-exec", fd, flags)
				}
			}
			require.NotZero(t, created, "New opened no fd: the check cannot work")
			require.NoError(t, l.Close())
			after, err := testutil.OpenFDs()
			require.NoError(t, err)
			assert.Equal(t, before, after, "fds open before New (expected) and after Close (actual)")
		})
	}
}
