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

// The go-reap row is the reaper of ramr/go-reaper and many container
// inits: signal.Notify(SIGCHLD) and, per signal, wait4(-1, WNOHANG) until
// nothing is left; t1 is when wait4 returns the pid. It steals exit
// statuses from os/exec and anything else in the process (it reaps every child),
// so it is only a latency reference. wait4(-1) walks every child in the
// kernel: O(n).

// exitNote is one child reaped by a reaper: its pid and when it was reaped.
type exitNote struct {
	pid int
	t1  time.Time
}

// reaper is a running go-reap style reaper goroutine.
type reaper struct {
	sigs  chan os.Signal // SIGCHLD deliveries (signal.Notify); owned by the reaper
	exits chan exitNote  // reaped children, in reaping order
	stop  chan struct{}  // closed by Stop
	done  sync.WaitGroup // the reaper goroutine
}

// startReaper installs the SIGCHLD notification and starts the reaper.
func startReaper() *reaper {
	r := &reaper{
		sigs:  make(chan os.Signal, 1),
		exits: make(chan exitNote, 1024),
		stop:  make(chan struct{}),
	}
	signal.Notify(r.sigs, unix.SIGCHLD)
	r.done.Add(1)
	go r.loop()
	return r
}

// loop reaps everything reapable on each SIGCHLD.
func (r *reaper) loop() {
	defer r.done.Done()
	for {
		select {
		case <-r.stop:
			return
		case <-r.sigs:
		}
		for {
			var ws unix.WaitStatus
			pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if pid <= 0 {
				break // 0: children left but none exited; ECHILD: none left
			}
			select {
			case r.exits <- exitNote{pid, time.Now()}:
			case <-r.stop:
				return
			}
		}
	}
}

// Stop uninstalls the notification and waits for the reaper to return.
func (r *reaper) Stop() {
	signal.Stop(r.sigs)
	close(r.stop)
	r.done.Wait()
}

// awaitPid waits for the reaper to report pid and returns when it did.
func (r *reaper) awaitPid(pid int) time.Time {
	for n := range r.exits {
		if n.pid == pid {
			return n.t1
		}
	}
	panic("unreachable: exits is never closed")
}

func goReapLatency(ctx context.Context, cfg harness.LatencyConfig) ([]harness.Sample, error) {
	r := startReaper()
	defer r.Stop()
	return sequential(ctx, cfg, func() (harness.Sample, error) {
		c, err := child.SpawnCat(false)
		if err != nil {
			return harness.Sample{}, err
		}
		return catExit(c, func() (time.Time, error) { return r.awaitPid(c.Pid), nil })
	})
}

func goReapThroughput(ctx context.Context, cfg harness.ThroughputConfig) (harness.ThroughputRun, error) {
	r := startReaper()
	defer r.Stop()
	return bounded(ctx, cfg, func() error {
		_, _, err := child.SpawnNull(cfg.Child.Path, cfg.Child.Args, false)
		return err
	}, func() (int, error) {
		<-r.exits
		return 1, nil
	})
}
