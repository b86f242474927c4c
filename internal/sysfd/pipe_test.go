package sysfd

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// assertCloexec checks that fd is close-on-exec.
func assertCloexec(t *testing.T, fd int) {
	t.Helper()
	fdf, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if assert.NoError(t, err, "fd %d: F_GETFD", fd) {
		assert.NotZero(t, fdf&unix.FD_CLOEXEC, "fd %d: not close-on-exec (%#x)", fd, fdf)
	}
}

func TestPipeFlags(t *testing.T) {
	for _, nb := range []bool{false, true} {
		r, w, err := Pipe(nb)
		require.NoError(t, err)
		for _, fd := range []int{r, w} {
			assertCloexec(t, fd)
			fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
			if assert.NoError(t, err, "fd %d: F_GETFL", fd) {
				assert.Equal(t, nb, fl&unix.O_NONBLOCK != 0, "fd %d: O_NONBLOCK", fd)
			}
		}
		unix.Close(r)
		unix.Close(w)
	}
}

// TestWaker runs both constructors: the eventfd one (Linux) and the pipe
// one the SIGCHLD self-pipe uses, whose 100000 wakes go well past a pipe's
// capacity, so Wake must treat EAGAIN as success.
func TestWaker(t *testing.T) {
	for _, tc := range []struct {
		name string
		new  func() (Waker, error)
	}{{"NewWaker", NewWaker}, {"NewPipeWaker", NewPipeWaker}} {
		t.Run(tc.name, func(t *testing.T) { testWaker(t, tc.new) })
	}
}

func testWaker(t *testing.T, newWaker func() (Waker, error)) {
	w, err := newWaker()
	require.NoError(t, err)
	for _, fd := range []int{w.R, w.W} {
		assertCloexec(t, fd)
	}
	readable := func() bool {
		fds := []unix.PollFd{{Fd: int32(w.R), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, 0)
		return err == nil && n == 1
	}
	require.False(t, readable(), "new waker is readable")
	for i := 0; i < 100000; i++ {
		require.NoError(t, w.Wake(), "wake %d", i)
	}
	require.True(t, readable(), "not readable after Wake")
	w.Drain()
	require.False(t, readable(), "readable after Drain")
	require.NoError(t, w.Close())
	require.Equal(t, -1, w.R, "read fd after Close")
	require.Equal(t, -1, w.W, "write fd after Close")
	require.NoError(t, w.Close(), "second Close")
}

func TestPollTimeoutMs(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want int
	}{{-time.Second, 0}, {0, 0}, {1, 1}, {time.Millisecond, 1}, {time.Millisecond + 1, 2}, {1 << 62, 1<<31 - 1}} {
		assert.Equal(t, tc.want, PollTimeoutMs(tc.d), "PollTimeoutMs(%v)", tc.d)
	}
}

func TestCollapsing(t *testing.T) {
	var c Collapsing
	var err error
	c.Waker, err = NewPipeWaker()
	require.NoError(t, err)
	defer c.Close()
	// pending reads what is in the pipe (and puts it back).
	pending := func() int {
		var b [16]byte
		n, err := unix.Read(c.R, b[:])
		if err == unix.EAGAIN {
			return 0
		}
		require.NoError(t, err)
		_, err = unix.Write(c.W, b[:n])
		require.NoError(t, err)
		return n
	}
	require.NoError(t, c.Wake())
	one := pending() // what one wake writes
	for range 3 {
		require.NoError(t, c.Wake())
	}
	require.True(t, c.Pending(), "Pending after 4 wakes")
	require.NotZero(t, one, "bytes one wake writes")
	require.Equal(t, one, pending(), "bytes in the pipe after 4 wakes: one wake's")
	c.Drain()
	require.False(t, c.Pending(), "Pending after Drain")
	require.Zero(t, pending(), "bytes in the pipe after Drain")
	require.NoError(t, c.Wake(), "wake after Drain")
	require.Equal(t, one, pending(), "bytes in the pipe after a wake after Drain: a write")
}
