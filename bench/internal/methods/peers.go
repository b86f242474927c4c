package methods

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"time"

	"github.com/childloop/childloop/bench/internal/harness"
	"github.com/childloop/childloop/bench/internal/peerrun"
	"github.com/childloop/childloop/bench/peers"
)

func init() {
	harness.Register(peerMethod{name: "node child_process (libuv)", order: orderPeers,
		peer: peerrun.Peer{Interpreter: "node", ScriptName: "reaplat.js", Script: peers.NodeJS}})
	harness.Register(peerMethod{name: "python3 asyncio (default watcher)", order: orderPeers + 1,
		peer: peerrun.Peer{Interpreter: "python3", ScriptName: "reaplat.py", Script: peers.Python,
			ExtraArgs: []string{"default"}}})
	harness.Register(peerMethod{name: "python3 asyncio (pidfd watcher)", order: orderPeers + 2,
		peer: peerrun.Peer{Interpreter: "python3", ScriptName: "reaplat.py", Script: peers.Python,
			ExtraArgs: []string{"pidfd"}}})
}

// peerMethod is a row measured by a peer driver in another runtime; it
// measures its own t0 and t1 with its own monotonic clock.
type peerMethod struct {
	name  string
	order int
	peer  peerrun.Peer
}

func (m peerMethod) Name() string { return m.name }
func (m peerMethod) Order() int   { return m.order }

// OutOfProcess is true: the peer runs in its own runtime's process.
func (m peerMethod) OutOfProcess() bool { return true }

// Available reports ErrNotInstalled when the interpreter is not on PATH.
func (m peerMethod) Available() error {
	if _, err := exec.LookPath(m.peer.Interpreter); err != nil {
		return fmt.Errorf("%s: %w", m.peer.Interpreter, harness.ErrNotInstalled)
	}
	return nil
}

func (m peerMethod) Latency(ctx context.Context, cfg harness.LatencyConfig) ([]harness.Sample, error) {
	done := 0
	samples, sum, err := m.peer.Run(ctx, []string{"latency", strconv.Itoa(cfg.N), strconv.Itoa(cfg.Warmup)},
		func(harness.Sample) {
			done++
			if cfg.Progress != nil {
				cfg.Progress(done)
			}
		})
	if err != nil {
		return samples, err
	}
	if len(samples) != cfg.N || sum.N != cfg.N || sum.Mode != "latency" {
		return samples, fmt.Errorf("%s: got %d samples and summary %+v, want %d", m.name, len(samples), sum, cfg.N)
	}
	return samples, nil
}

func (m peerMethod) Throughput(ctx context.Context, cfg harness.ThroughputConfig) (time.Duration, error) {
	_, sum, err := m.peer.Run(ctx, []string{"throughput", strconv.Itoa(cfg.Concurrency), strconv.Itoa(cfg.Total)}, nil)
	if err != nil {
		return 0, err
	}
	if sum.Mode != "throughput" || sum.N != cfg.Total || sum.ElapsedNS <= 0 {
		return 0, fmt.Errorf("%s: bad throughput summary %+v", m.name, sum)
	}
	return time.Duration(sum.ElapsedNS), nil
}
