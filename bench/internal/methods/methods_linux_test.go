package methods

import (
	"context"
	"errors"
	"os"
	"strconv"
	"testing"

	"github.com/childloop/childloop/bench/internal/child"
	"github.com/childloop/childloop/bench/internal/harness"
)

// noChildren fails t if the process still has a child, zombie or live.
func noChildren(t *testing.T) {
	t.Helper()
	if err := child.NoChildren(); err != nil {
		t.Error(err)
	}
}

// pidMax is the kernel's largest pid, the bound of a plausible pid.
func pidMax(t *testing.T) int {
	b, err := os.ReadFile("/proc/sys/kernel/pid_max")
	if err != nil {
		return 1 << 22
	}
	n, err := strconv.Atoi(string(b[:len(b)-1]))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// checkSamples validates count, pids and latencies (never their size).
func checkSamples(t *testing.T, name string, got []harness.Sample, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("%s: %d samples, want %d", name, len(got), n)
	}
	max := pidMax(t)
	seen := map[int]bool{}
	for _, s := range got {
		if s.Pid <= 1 || s.Pid > max || s.Latency <= 0 {
			t.Errorf("%s: implausible sample %+v", name, s)
		}
		if seen[s.Pid] {
			t.Errorf("%s: pid %d reported twice", name, s.Pid)
		}
		seen[s.Pid] = true
	}
}

func TestEveryMethod(t *testing.T) {
	const n = 20
	for _, m := range harness.Methods(nil) {
		t.Run(m.Name(), func(t *testing.T) {
			if err := m.Available(); err != nil {
				t.Skipf("skipped: %v", err)
			}
			progress := 0
			got, err := m.Latency(context.Background(), harness.LatencyConfig{N: n, Warmup: 3,
				Progress: func(done int) { progress = done }})
			if err != nil {
				t.Fatal(err)
			}
			checkSamples(t, m.Name(), got, n)
			if progress != n {
				t.Errorf("progress ended at %d, want %d", progress, n)
			}
			if tp, ok := m.(harness.Throughputer); ok {
				d, err := tp.Throughput(context.Background(), harness.ThroughputConfig{Concurrency: 4, Total: 30})
				if err != nil || d <= 0 {
					t.Errorf("Throughput = %v, %v", d, err)
				}
			}
			noChildren(t)
		})
	}
}

func TestPeerSkipReason(t *testing.T) {
	m := peerMethod{name: "x", peer: peerMethodNoSuchInterpreter}
	if err := m.Available(); !errors.Is(err, harness.ErrNotInstalled) {
		t.Errorf("Available = %v, want ErrNotInstalled", err)
	}
}
