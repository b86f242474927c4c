package methods

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/childloop/childloop/bench/internal/child"
	"github.com/childloop/childloop/bench/internal/harness"
)

// The floor row: each child's pidfd (from clone, via SysProcAttr.PidFD) is
// registered in an epoll set and t1 is when epoll_wait returns it. The
// child is then reaped with waitid(P_PIDFD). Needs Linux ≥ 5.4.

// pidfdAvailable probes pidfd_open.
func pidfdAvailable() error {
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		return fmt.Errorf("pidfd_open: %w", err)
	}
	unix.Close(fd)
	return nil
}

func pidfdLatency(ctx context.Context, cfg harness.LatencyConfig) ([]harness.Sample, error) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	defer unix.Close(ep)
	events := make([]unix.EpollEvent, 1)
	return sequential(ctx, cfg, func() (harness.Sample, error) {
		c, err := child.SpawnCat(true)
		if err != nil {
			return harness.Sample{}, err
		}
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(c.PidFD)}
		if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, c.PidFD, &ev); err != nil {
			c.Close() // closes its stdin too: cat exits
			child.Reap(c.Pid)
			return harness.Sample{}, os.NewSyscallError("epoll_ctl", err)
		}
		// c.Close (in catExit) closes the pidfd, which leaves the set.
		return catExit(c, func() (time.Time, error) {
			if err := epollWaitFor(ep, events, c.PidFD); err != nil {
				child.Reap(c.Pid)
				return time.Time{}, err
			}
			t1 := time.Now()
			return t1, reapPidfd(c.PidFD)
		})
	})
}

// epollWaitFor blocks in epoll_wait until fd is reported.
func epollWaitFor(ep int, events []unix.EpollEvent, fd int) error {
	for {
		n, err := unix.EpollWait(ep, events, -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return os.NewSyscallError("epoll_wait", err)
		}
		for _, e := range events[:n] {
			if int(e.Fd) == fd {
				return nil
			}
		}
	}
}

// reapPidfd reaps the exited child behind pidfd.
func reapPidfd(pidfd int) error {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PIDFD, pidfd, &info, unix.WEXITED, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return os.NewSyscallError("waitid", err)
	}
}

func pidfdThroughput(ctx context.Context, cfg harness.ThroughputConfig) (harness.ThroughputRun, error) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return harness.ThroughputRun{}, os.NewSyscallError("epoll_create1", err)
	}
	defer unix.Close(ep)
	events := make([]unix.EpollEvent, 64)
	return bounded(ctx, cfg, func() error {
		_, pidfd, err := child.SpawnNull(cfg.Child.Path, cfg.Child.Args, true)
		if err != nil {
			return err
		}
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(pidfd)}
		if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, pidfd, &ev); err != nil {
			// Cannot watch it: reap it here, synchronously.
			reapPidfd(pidfd)
			unix.Close(pidfd)
			return os.NewSyscallError("epoll_ctl", err)
		}
		return nil
	}, func() (int, error) {
		for {
			n, err := unix.EpollWait(ep, events, -1)
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if err != nil {
				return 0, os.NewSyscallError("epoll_wait", err)
			}
			var firstErr error
			for _, e := range events[:n] {
				fd := int(e.Fd)
				if err := reapPidfd(fd); err != nil && firstErr == nil {
					firstErr = err
				}
				// Leave the set before closing: a child spawned a
				// moment ago may still hold a copy of fd (its exec
				// closes the close-on-exec fds in order, and
				// ForkExec returns once the exec-status pipe's end
				// is closed), which would keep the registration,
				// and its events, alive under a number the next
				// pidfd may get.
				unix.EpollCtl(ep, unix.EPOLL_CTL_DEL, fd, nil)
				unix.Close(fd)
			}
			return n, firstErr
		}
	})
}
