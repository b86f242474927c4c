package methods

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"github.com/childloop/childloop/bench/internal/child"
	"github.com/childloop/childloop/bench/internal/harness"
)

func init() { harness.Register(execWait{}) }

// execWait is os/exec: Cmd.Start, then Cmd.Wait in a goroutine; t1 is when
// Wait returns. Since Go 1.23 Wait blocks in waitid(P_PIDFD) on a thread
// of its own.
type execWait struct{}

func (execWait) Name() string     { return "exec.Cmd.Wait in a goroutine" }
func (execWait) Order() int       { return orderExec }
func (execWait) Available() error { return nil }
func (execWait) Scales() bool     { return true }

func (execWait) Latency(ctx context.Context, cfg harness.LatencyConfig) ([]harness.Sample, error) {
	return sequential(ctx, cfg, execOne)
}

// execOne runs the protocol once with os/exec.
func execOne() (harness.Sample, error) {
	cmd := exec.Command(child.CatPath)
	cmd.Env = []string{} // every method's child gets the same, empty environment
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return harness.Sample{}, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return harness.Sample{}, err
	}
	if err := cmd.Start(); err != nil {
		return harness.Sample{}, err
	}
	type result struct {
		t1  time.Time
		err error
	}
	done := make(chan result, 1)
	go func() {
		err := cmd.Wait()
		done <- result{time.Now(), err}
	}()
	var b [1]byte
	_, err = stdin.Write([]byte{'x'})
	if err == nil {
		_, err = io.ReadFull(stdout, b[:])
	}
	t0 := time.Now()
	stdin.Close()
	r := <-done // the child exits either way: its stdin is closed
	if err != nil {
		return harness.Sample{}, fmt.Errorf("handshake with cat %d: %w", cmd.Process.Pid, err)
	}
	if r.err != nil {
		return harness.Sample{}, fmt.Errorf("cat %d: %w", cmd.Process.Pid, r.err)
	}
	return harness.Sample{Pid: cmd.Process.Pid, Latency: r.t1.Sub(t0)}, nil
}

func (execWait) Throughput(ctx context.Context, cfg harness.ThroughputConfig) (time.Duration, error) {
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
				cmd := exec.Command(child.TruePath)
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
	return time.Since(start), firstErr
}
