package sysfd

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestPipeFlags(t *testing.T) {
	for _, nb := range []bool{false, true} {
		r, w, err := Pipe(nb)
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range []int{r, w} {
			fdf, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
			if err != nil || fdf&unix.FD_CLOEXEC == 0 {
				t.Errorf("fd %d: not close-on-exec (%#x, %v)", fd, fdf, err)
			}
			fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
			if err != nil || (fl&unix.O_NONBLOCK != 0) != nb {
				t.Errorf("fd %d: O_NONBLOCK = %v, want %v (%v)", fd, fl&unix.O_NONBLOCK != 0, nb, err)
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
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range []int{w.R, w.W} {
		if fdf, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil || fdf&unix.FD_CLOEXEC == 0 {
			t.Errorf("fd %d: not close-on-exec (%#x, %v)", fd, fdf, err)
		}
	}
	readable := func() bool {
		fds := []unix.PollFd{{Fd: int32(w.R), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, 0)
		return err == nil && n == 1
	}
	if readable() {
		t.Fatal("new waker is readable")
	}
	for i := 0; i < 100000; i++ {
		if err := w.Wake(); err != nil {
			t.Fatalf("wake %d: %v", i, err)
		}
	}
	if !readable() {
		t.Fatal("not readable after Wake")
	}
	w.Drain()
	if readable() {
		t.Fatal("readable after Drain")
	}
	if err := w.Close(); err != nil || w.R != -1 || w.W != -1 {
		t.Fatalf("Close: %v, fds %d %d", err, w.R, w.W)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestPollTimeoutMs(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want int
	}{{-time.Second, 0}, {0, 0}, {1, 1}, {time.Millisecond, 1}, {time.Millisecond + 1, 2}, {1 << 62, 1<<31 - 1}} {
		if got := PollTimeoutMs(tc.d); got != tc.want {
			t.Errorf("PollTimeoutMs(%v) = %d, want %d", tc.d, got, tc.want)
		}
	}
}

func TestCollapsing(t *testing.T) {
	var c Collapsing
	var err error
	if c.Waker, err = NewPipeWaker(); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// pending reads what is in the pipe (and puts it back).
	pending := func() int {
		var b [16]byte
		n, err := unix.Read(c.R, b[:])
		if err == unix.EAGAIN {
			return 0
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := unix.Write(c.W, b[:n]); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := c.Wake(); err != nil {
		t.Fatal(err)
	}
	one := pending() // what one wake writes
	for range 3 {
		if err := c.Wake(); err != nil {
			t.Fatal(err)
		}
	}
	if !c.Pending() || one == 0 || pending() != one {
		t.Fatalf("after 4 wakes: Pending %v, %d bytes written; want true and one wake's %d", c.Pending(), pending(), one)
	}
	c.Drain()
	if c.Pending() || pending() != 0 {
		t.Fatalf("after Drain: Pending %v, %d bytes; want false, 0", c.Pending(), pending())
	}
	if err := c.Wake(); err != nil || pending() != one {
		t.Fatalf("wake after Drain: %v, %d bytes; want a write", err, pending())
	}
}
