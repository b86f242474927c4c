package methods

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/childloop/childloop/bench/internal/child"
	"github.com/childloop/childloop/bench/internal/harness"
	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/netpoll"
)

// netpollRow is childloop's default parent on netpoll's hooks (Go's
// netpoller, callbacks on the hooks' own goroutine) instead of the
// reference loop: latency and many only, as its reaping is the default
// row's.
func netpollRow() harness.Row {
	return harness.Row{Name: "childloop default (pidfd), netpoll hooks", Latency: netpollLatency, Many: netpollMany}
}

// exitAt is an exit as the death callback saw it.
type exitAt struct {
	t  time.Time
	st childproc.Status
}

// openNetpoll opens the hooks and a default parent on them.
func openNetpoll() (*netpoll.Hooks, *childproc.Parent, error) {
	h, err := netpoll.New(nil)
	if err != nil {
		return nil, nil, err
	}
	c, err := childproc.New(h, childproc.Config{})
	if err != nil {
		h.Close()
		return nil, nil, err
	}
	return h, c, nil
}

func netpollLatency(ctx context.Context, cfg harness.LatencyConfig) ([]harness.Sample, error) {
	h, c, err := openNetpoll()
	if err != nil {
		return nil, err
	}
	defer h.Close()
	defer c.Close()
	exits := make(chan exitAt, 1)
	onExit := func(_ *childproc.Child, st childproc.Status) { exits <- exitAt{time.Now(), st} }
	return sequential(ctx, cfg, func() (harness.Sample, error) {
		cat, err := child.SpawnCatWith(func(in, out *os.File) (int, error) {
			ch, err := c.Spawn(&childproc.Cmd{Path: child.CatPath, Args: []string{"cat"}, Env: []string{}, Stdin: in, Stdout: out, OnExit: onExit})
			if err != nil {
				return 0, err
			}
			return ch.Pid(), nil
		})
		if err != nil {
			return harness.Sample{}, err
		}
		return catExit(cat, func() (time.Time, error) {
			select {
			case e := <-exits:
				if !e.st.Success() {
					return e.t, fmt.Errorf("cat %d: %v", cat.Pid, e.st)
				}
				return e.t, nil
			case <-ctx.Done():
				return time.Time{}, ctx.Err()
			}
		})
	})
}

func netpollMany(ctx context.Context, cfg harness.ManyConfig) (harness.ManyCounts, error) {
	h, c, err := openNetpoll()
	if err != nil {
		return harness.ManyCounts{}, err
	}
	defer h.Close()
	defer c.Close()
	var n harness.ManyCounts
	all := make(chan struct{})
	onExit := func(_ *childproc.Child, st childproc.Status) { // on the hooks' one goroutine
		n.Exited++
		if !st.Success() {
			n.Failed++
		}
		if n.Exited == cfg.N {
			close(all)
		}
	}
	for i := range cfg.N {
		if _, err := c.Spawn(&childproc.Cmd{Path: cfg.Path, Args: []string{cfg.Path}, Env: []string{}, Stdin: cfg.Stdin, OnExit: onExit}); err != nil {
			return harness.ManyCounts{}, fmt.Errorf("spawn %d of %d: %w", i+1, cfg.N, err)
		}
	}
	cfg.Started()
	select {
	case <-all:
		return n, nil
	case <-ctx.Done():
		return harness.ManyCounts{}, ctx.Err()
	}
}
