package methods

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/childloop/childloop/bench/internal/child"
	"github.com/childloop/childloop/bench/internal/harness"
)

// The Notify-pipe row is the naive way to bring SIGCHLD into an epoll loop
// in Go: a goroutine relays each signal.Notify delivery as one byte to a
// non-blocking self-pipe; the loop's epoll_wait sees the pipe readable,
// drains it and checks each of its children with wait4(pid, WNOHANG).
// t1 is when that wait4 returns the pid.

// relayLoop is an epoll set watching a self-pipe fed by a Notify relay.
type relayLoop struct {
	ep     int            // epoll set containing rd; closed by Close
	rd, wr int            // the self-pipe, both O_NONBLOCK|O_CLOEXEC
	sigs   chan os.Signal // SIGCHLD deliveries; read by the relay goroutine
	stop   chan struct{}  // closed by Close
	done   sync.WaitGroup // the relay goroutine
	events []unix.EpollEvent
	buf    [64]byte // drain buffer; owned by the loop goroutine
}

// newRelayLoop creates the pipe and epoll set and starts the relay.
func newRelayLoop() (*relayLoop, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		return nil, os.NewSyscallError("pipe2", err)
	}
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(p[0])}
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, p[0], &ev); err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		unix.Close(ep)
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	l := &relayLoop{
		ep: ep, rd: p[0], wr: p[1],
		sigs:   make(chan os.Signal, 1),
		stop:   make(chan struct{}),
		events: make([]unix.EpollEvent, 8),
	}
	signal.Notify(l.sigs, unix.SIGCHLD)
	l.done.Add(1)
	go l.relay()
	return l, nil
}

// relay writes one byte per delivery; EAGAIN means a wakeup is pending.
func (l *relayLoop) relay() {
	defer l.done.Done()
	b := []byte{0}
	for {
		select {
		case <-l.stop:
			return
		case <-l.sigs:
			unix.Write(l.wr, b)
		}
	}
}

// wait blocks until the self-pipe is readable, then drains it.
func (l *relayLoop) wait() error {
	for {
		_, err := unix.EpollWait(l.ep, l.events, -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return os.NewSyscallError("epoll_wait", err)
		}
		for {
			if n, err := unix.Read(l.rd, l.buf[:]); n <= 0 || err != nil {
				return nil
			}
		}
	}
}

// Close stops the relay and closes the fds.
func (l *relayLoop) Close() {
	signal.Stop(l.sigs)
	close(l.stop)
	l.done.Wait()
	unix.Close(l.ep)
	unix.Close(l.rd)
	unix.Close(l.wr)
}

// reaped reports whether pid has exited, reaping it if so.
func reaped(pid int) (bool, error) {
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return false, os.NewSyscallError("wait4", err)
		}
		return got == pid, nil
	}
}

func notifyPipeLatency(ctx context.Context, cfg harness.LatencyConfig) ([]harness.Sample, error) {
	l, err := newRelayLoop()
	if err != nil {
		return nil, err
	}
	defer l.Close()
	return sequential(ctx, cfg, func() (harness.Sample, error) {
		c, err := child.SpawnCat(false)
		if err != nil {
			return harness.Sample{}, err
		}
		return catExit(c, func() (time.Time, error) {
			for {
				if err := l.wait(); err != nil {
					child.Reap(c.Pid)
					return time.Time{}, err
				}
				done, err := reaped(c.Pid)
				if err != nil {
					return time.Time{}, err
				}
				if done {
					return time.Now(), nil
				}
			}
		})
	})
}

func notifyPipeThroughput(ctx context.Context, cfg harness.ThroughputConfig) (harness.ThroughputRun, error) {
	l, err := newRelayLoop()
	if err != nil {
		return harness.ThroughputRun{}, err
	}
	defer l.Close()
	inflight := make(map[int]struct{}, cfg.Concurrency)
	return bounded(ctx, cfg, func() error {
		pid, _, err := child.SpawnNull(cfg.Child.Path, cfg.Child.Args, false)
		if err == nil {
			inflight[pid] = struct{}{}
		}
		return err
	}, func() (int, error) {
		if err := l.wait(); err != nil {
			for pid := range inflight {
				child.Reap(pid)
			}
			return 0, err
		}
		n := 0
		var firstErr error
		for pid := range inflight { // the naive O(n) per-pid scan
			done, err := reaped(pid)
			if err != nil && firstErr == nil {
				firstErr = err
			}
			if done || err != nil {
				delete(inflight, pid)
				n++
			}
		}
		return n, firstErr
	})
}
