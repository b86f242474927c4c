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

// The peers.
var (
	nodePeer      = peerrun.Peer{Interpreter: "node", ScriptName: "reaplat.js", Script: peers.NodeJS}
	pythonDefault = peerrun.Peer{Interpreter: "python3", ScriptName: "reaplat.py", Script: peers.Python, ExtraArgs: []string{"default"}}
	pythonPidfd   = peerrun.Peer{Interpreter: "python3", ScriptName: "reaplat.py", Script: peers.Python, ExtraArgs: []string{"pidfd"}}
)

// peerRow is a row measured by a peer driver in another runtime; the
// driver measures its own t0 and t1 with its runtime's monotonic clock.
// With output it is in the output section too.
func peerRow(name, ref string, p peerrun.Peer, output bool) harness.Row {
	m := peerMethod{name: name, peer: p}
	r := harness.Row{Name: name, Ref: ref, Peer: true,
		Available: m.Available, Latency: m.Latency, Throughput: m.Throughput}
	if output {
		r.Output = m.Output
	}
	r.ManyPeer = m.peer.Command
	return r
}

// peerMethod runs one peer driver under a row's name.
type peerMethod struct {
	name string
	peer peerrun.Peer
}

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

// Output runs `output MIB WARMUP_MIB`: the driver runs the warm-up child
// and the measured one and reports the latter.
func (m peerMethod) Output(ctx context.Context, cfg harness.OutputConfig) (time.Duration, error) {
	_, sum, err := m.peer.Run(ctx, []string{"output", strconv.Itoa(cfg.MiB), strconv.Itoa(cfg.WarmupMiB)}, nil)
	if err != nil {
		return 0, err
	}
	if sum.Mode != "output" || sum.Bytes != cfg.Bytes() || sum.ElapsedNS <= 0 {
		return 0, fmt.Errorf("%s: bad output summary %+v, want %d bytes", m.name, sum, cfg.Bytes())
	}
	return time.Duration(sum.ElapsedNS), nil
}

// Throughput runs `throughput CONCURRENCY TOTAL PATH ARGV0`: the driver
// spawns PATH under the name ARGV0, without arguments, and reports its own
// CPU time and its children's over the run.
func (m peerMethod) Throughput(ctx context.Context, cfg harness.ThroughputConfig) (harness.ThroughputRun, error) {
	if len(cfg.Child.Args) != 1 {
		return harness.ThroughputRun{}, fmt.Errorf("%s: the child's argv %q: a peer passes argv[0] only", m.name, cfg.Child.Args)
	}
	_, sum, err := m.peer.Run(ctx, []string{"throughput", strconv.Itoa(cfg.Concurrency), strconv.Itoa(cfg.Total),
		cfg.Child.Path, cfg.Child.Args[0]}, nil)
	if err != nil {
		return harness.ThroughputRun{}, err
	}
	if sum.Mode != "throughput" || sum.N != cfg.Total || sum.ElapsedNS <= 0 || sum.CPUNS <= 0 || sum.ChildCPUNS < 0 {
		return harness.ThroughputRun{}, fmt.Errorf("%s: bad throughput summary %+v", m.name, sum)
	}
	return harness.ThroughputRun{Elapsed: time.Duration(sum.ElapsedNS),
		CPU: time.Duration(sum.CPUNS), ChildCPU: time.Duration(sum.ChildCPUNS)}, nil
}

// withManyMax caps hr's N in the many section.
func withManyMax(hr harness.Row, max int, why string) harness.Row {
	hr.ManyMax, hr.ManyMaxWhy = max, why
	return hr
}
