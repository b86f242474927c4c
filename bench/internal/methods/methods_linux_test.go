package methods

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/childloop/childloop/bench/internal/harness"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pidMax is the kernel's largest pid, the bound of a plausible pid.
func pidMax(t *testing.T) int {
	b, err := os.ReadFile("/proc/sys/kernel/pid_max")
	if err != nil {
		return 1 << 22
	}
	n, err := strconv.Atoi(string(b[:len(b)-1]))
	require.NoError(t, err)
	return n
}

// checkSamples validates count, pids and latencies (never their size).
func checkSamples(t *testing.T, name string, got []harness.Sample, n int) {
	t.Helper()
	require.Len(t, got, n, "%s: samples", name)
	max := pidMax(t)
	seen := map[int]bool{}
	for _, s := range got {
		assert.True(t, s.Pid > 1 && s.Pid <= max && s.Latency > 0, "%s: implausible sample %+v", name, s)
		assert.False(t, seen[s.Pid], "%s: pid %d reported twice", name, s.Pid)
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
			require.NoError(t, err)
			checkSamples(t, m.Name(), got, n)
			assert.Equal(t, n, progress, "where progress ended")
			if tp, ok := m.(harness.Throughputer); ok {
				d, err := tp.Throughput(context.Background(), harness.ThroughputConfig{Concurrency: 4, Total: 30})
				assert.NoError(t, err, "Throughput")
				assert.Positive(t, d, "Throughput")
			}
			assert.NoError(t, testutil.NoChildren())
		})
	}
}

func TestPeerSkipReason(t *testing.T) {
	m := peerMethod{name: "x", peer: peerMethodNoSuchInterpreter}
	assert.ErrorIs(t, m.Available(), harness.ErrNotInstalled, "Available")
}
