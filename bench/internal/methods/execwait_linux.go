package methods

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"github.com/childloop/childloop/bench/internal/child"
	"github.com/childloop/childloop/bench/internal/harness"
)

// The os/exec row: Cmd.Start, then Cmd.Wait in a goroutine; t1 is when
// Wait returns. Since Go 1.23 Wait blocks in waitid(P_PIDFD) on a thread
// of its own.

func execLatency(ctx context.Context, cfg harness.LatencyConfig) ([]harness.Sample, error) {
	return sequential(ctx, cfg, execOne)
}

// execOne runs the protocol once with os/exec. The child's ends of the
// pipes are handed to Cmd as *os.File (used as they are: no copying
// goroutine), so the handshake and the timed close of stdin are the same
// raw system calls as in every other row; Cmd.StdinPipe's end would sit in
// the netpoller, and its Close would add an epoll_ctl to t1 − t0.
func execOne() (harness.Sample, error) {
	type result struct {
		t1  time.Time
		err error
	}
	done := make(chan result, 1)
	c, err := child.SpawnCatWith(func(stdin, stdout *os.File) (int, error) {
		cmd := exec.Command(child.CatPath)
		// The same argv, empty environment and stdio as every other row
		// (Stderr nil: /dev/null).
		cmd.Args = []string{"cat"}
		cmd.Env = []string{}
		cmd.Stdin, cmd.Stdout = stdin, stdout
		if err := cmd.Start(); err != nil {
			return 0, err
		}
		go func() {
			err := cmd.Wait()
			done <- result{time.Now(), err}
		}()
		return cmd.Process.Pid, nil
	})
	if err != nil {
		return harness.Sample{}, err
	}
	return catExit(c, func() (time.Time, error) {
		r := <-done // the child exits either way: its stdin is closed
		if r.err != nil {
			return r.t1, fmt.Errorf("cat %d: %w", c.Pid, r.err)
		}
		return r.t1, nil
	})
}

func execThroughput(ctx context.Context, cfg harness.ThroughputConfig) (harness.ThroughputRun, error) {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	start := time.Now()
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(cfg.Total) && ctx.Err() == nil {
				cmd := exec.Command(cfg.Child.Path)
				cmd.Args = cfg.Child.Args
				cmd.Env = []string{}
				if err := cmd.Run(); err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return harness.ThroughputRun{Elapsed: time.Since(start)}, firstErr
}
