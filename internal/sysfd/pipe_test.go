package sysfd

import (
	"testing"

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
