package bench

import (
	"errors"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/bench/internal/child"
	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/loop"
	"golang.org/x/sys/unix"
)

// BenchmarkSpawnReapSteps splits the parent's CPU per child, call by call,
// for the static true (so the child's own work is small): a hand-written
// loop with exactly the system calls childloop's default parent makes per
// child (vfork spawn with CLONE_PIDFD, epoll_ctl ADD, epoll_wait, waitid
// P_PIDFD, epoll_ctl DEL, close), 64 in flight, on one locked thread whose
// CPU clock (CLOCK_THREAD_CPUTIME_ID) is read around each call. Each step's
// metric is its CPU per child in ns; other-ns is the thread's CPU outside
// the calls (the loop's own Go code), total-ns their sum, process-ns the
// whole process's CPU per child (the Go runtime's other threads included).
// The "childloop" sub-benchmark runs the same children through a default
// context on the reference loop, spawned from its callbacks, and reports
// the process's CPU per child as process-ns: its difference from the
// steps' process-ns is what the library adds to a hand-written loop.
func BenchmarkSpawnReapSteps(b *testing.B) {
	dir := b.TempDir()
	path, _, err := child.WriteStaticTrue(dir)
	if err != nil {
		b.Fatal(err)
	}
	argv := []string{"true"}
	const inflight = 64
	b.Run("steps", func(b *testing.B) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			b.Fatal(err)
		}
		defer unix.Close(ep)
		null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
		if err != nil {
			b.Fatal(err)
		}
		defer null.Close()
		var steps [6]time.Duration
		names := [...]string{"spawn-ns", "epoll_ctl-add-ns", "epoll_wait-ns", "waitid-ns", "epoll_ctl-del-ns", "close-ns"}
		pidfd := -1
		attr := &syscall.ProcAttr{Env: []string{}, Files: []uintptr{null.Fd(), null.Fd(), null.Fd()}, Sys: &syscall.SysProcAttr{PidFD: &pidfd}}
		events := make([]unix.EpollEvent, inflight)
		timed := func(i int, f func() error) error {
			t0 := threadCPU()
			err := f()
			steps[i] += threadCPU() - t0
			return err
		}
		cpu0, proc0 := threadCPU(), processCPU()
		b.ResetTimer()
		spawned, done := 0, 0
		for done < b.N {
			for spawned-done < inflight && spawned < b.N {
				if err := timed(0, func() error { _, err := childproc.ForkExec(path, argv, attr); return err }); err != nil {
					b.Fatal(err)
				}
				ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(pidfd)}
				if err := timed(1, func() error { return unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, pidfd, &ev) }); err != nil {
					b.Fatal(err)
				}
				spawned++
			}
			var n int
			if err := timed(2, func() (err error) { n, err = unix.EpollWait(ep, events, -1); return err }); err != nil {
				if errors.Is(err, unix.EINTR) {
					continue
				}
				b.Fatal(err)
			}
			for _, e := range events[:n] {
				fd := int(e.Fd)
				var info unix.Siginfo
				if err := timed(3, func() error { return unix.Waitid(unix.P_PIDFD, fd, &info, unix.WEXITED, nil) }); err != nil {
					b.Fatal(err)
				}
				_ = timed(4, func() error { return unix.EpollCtl(ep, unix.EPOLL_CTL_DEL, fd, nil) })
				_ = timed(5, func() error { return unix.Close(fd) })
				done++
			}
		}
		b.StopTimer()
		total, proc := threadCPU()-cpu0, processCPU()-proc0
		var sum time.Duration
		for i, d := range steps {
			b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), names[i])
			sum += d
		}
		b.ReportMetric(float64((total-sum).Nanoseconds())/float64(b.N), "other-ns")
		b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "total-ns")
		b.ReportMetric(float64(proc.Nanoseconds())/float64(b.N), "process-ns")
	})
	b.Run("childloop", func(b *testing.B) {
		l, err := loop.New()
		if err != nil {
			b.Fatal(err)
		}
		defer l.Close()
		c, err := childproc.New(l, childproc.Config{})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		spawned, done := 0, 0
		var spawnErr error
		cmd := &childproc.Cmd{Path: path, Args: argv, Env: []string{}}
		spawn := func() {
			for spawnErr == nil && spawned-done < inflight && spawned < b.N {
				if _, spawnErr = c.Spawn(cmd); spawnErr == nil {
					spawned++
				}
			}
		}
		cmd.OnExit = func(*childproc.Child, childproc.Status) { done++; spawn() }
		cpu0 := processCPU()
		b.ResetTimer()
		spawn()
		for done < spawned {
			if err := l.RunOnce(true); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		if spawnErr != nil {
			b.Fatal(spawnErr)
		}
		b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(b.N), "process-ns")
	})
}

// threadCPU is the calling thread's CPU time.
func threadCPU() time.Duration {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}

// processCPU is the whole process's CPU time (every thread's).
func processCPU() time.Duration {
	var ru unix.Rusage
	_ = unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
