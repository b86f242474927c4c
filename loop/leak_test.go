package loop

import (
	"maps"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

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
			if err != nil {
				t.Fatal(err)
			}
			if _, err := l.Watch(p[0], hooks.In, func(int, hooks.Events) error { return nil }); err != nil {
				t.Fatal(err)
			}
			if _, err := l.AddTimer(time.Now().Add(time.Hour), func() error { return nil }); err != nil {
				t.Fatal(err)
			}
			l.Wake()
			if err := l.RunOnce(true); err != nil {
				t.Fatal(err)
			}
			var created int
			for fd := range openFDs(t) {
				flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
				if before[fd] {
					continue
				}
				created++
				if err != nil || flags&unix.FD_CLOEXEC == 0 {
					t.Errorf("fd %d: flags %#x, %v: not close-on-exec", fd, flags, err)
				}
			}
			if created == 0 {
				t.Fatal("New opened no fd: the check cannot work")
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			if after := openFDs(t); !maps.Equal(after, before) {
				t.Errorf("fds open before New: %v, after Close: %v", slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)))
			}
		})
	}
}
