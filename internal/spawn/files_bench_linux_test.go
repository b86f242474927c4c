//go:build linux && (amd64 || arm64)

package spawn

import (
	"syscall"
	"testing"
)

// BenchmarkForkExecOpenFDs starts and reaps /bin/true with 10000 extra
// fds open, as a parent watching 10000 children through pidfds has: low
// (where pidfds went before highFD) or from highBase up (where they go
// now), with the child's fd table shared and cut (CLONE_FILES) or copied.
func BenchmarkForkExecOpenFDs(b *testing.B) {
	needFastB(b)
	for _, tc := range []struct {
		name   string
		high   bool
		shared bool
		n      int
	}{{"none/copied", false, false, 0}, {"none/shared", false, true, 0}, {"low/copied", false, false, 10000}, {"high/copied", true, false, 10000}, {"low/shared", false, true, 10000}, {"high/shared", true, true, 10000}} {
		b.Run(tc.name, func(b *testing.B) {
			fds := openMany(b, tc.n, tc.high)
			defer closeAll(fds)
			was := filesShared.Load()
			filesShared.Store(tc.shared)
			defer filesShared.Store(was)
			attr := &syscall.ProcAttr{Files: []uintptr{0, 1, 2}}
			b.ResetTimer()
			for range b.N {
				pid, err := ForkExec("/bin/true", []string{"true"}, attr)
				if err != nil {
					b.Fatal(err)
				}
				reap(pid, 0)
			}
		})
	}
}

func openMany(b *testing.B, n int, high bool) []int {
	fd, err := syscall.Open("/dev/null", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	fds := []int{fd}
	if n == 0 {
		return fds
	}
	min := 0
	if high {
		min = highBase
	}
	for len(fds) < n {
		nfd, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, uintptr(min))
		if e != 0 {
			b.Fatal(e)
		}
		fds = append(fds, int(nfd))
	}
	return fds
}

func closeAll(fds []int) {
	for _, fd := range fds {
		syscall.Close(fd)
	}
}

func needFastB(b *testing.B) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < 12000 {
		b.Skip("needs RLIMIT_NOFILE ≥ 12000")
	}
}
