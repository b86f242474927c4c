package methods

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/childloop/childloop/bench/internal/child"
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

// TestTable checks what the command relies on: unique names, exactly one
// floor and one default row among the rows with a latency function, at
// least one default row in the output section, unique verdict references
// (the os/exec ones among them), and every row in some section.
func TestTable(t *testing.T) {
	names, refs := map[string]bool{}, map[string]bool{}
	floors, defaults, outputDefaults := 0, 0, 0
	for _, r := range Rows() {
		assert.NotEmpty(t, r.Name, "row name")
		assert.False(t, names[r.Name], "row name %q repeated", r.Name)
		names[r.Name] = true
		if r.Ref != "" {
			assert.False(t, refs[r.Ref], "ref %q repeated", r.Ref)
			refs[r.Ref] = true
		}
		if r.Floor {
			floors++
			assert.NotNil(t, r.Latency, "%s: the floor without Latency", r.Name)
		}
		if r.Default && r.Latency != nil {
			defaults++
		}
		if r.Default && r.Output != nil {
			outputDefaults++
		}
		assert.True(t, r.Latency != nil || r.Throughput != nil || r.Output != nil || r.Many != nil,
			"%s: in no section (neither Latency, Throughput, Output nor Many)", r.Name)
		assert.True(t, r.Latency != nil || !r.Scale, "%s: Scale without Latency", r.Name)
		assert.False(t, r.Peer && r.Scale, "%s: a peer cannot run next to this process's idle children", r.Name)
	}
	assert.Equal(t, 1, floors, "floor rows")
	assert.Equal(t, 1, defaults, "default rows with Latency")
	assert.Positive(t, outputDefaults, "default rows with Output")
	assert.True(t, refs[harness.RefExec], "a row with the os/exec ref")
	assert.True(t, refs[harness.RefExecOutput], "a row with the exec.Cmd.Output ref")
}

// TestEveryRow runs every row, small, and checks it reaped its children;
// the rows that take idle children are given some, the output rows write
// 4 MiB.
func TestEveryRow(t *testing.T) {
	const n = 20
	for _, r := range Rows() {
		t.Run(r.Name, func(t *testing.T) {
			if err := r.Check(); err != nil {
				t.Skipf("skipped: %v", err)
			}
			if r.Output != nil {
				d, err := r.Output(context.Background(), harness.OutputConfig{MiB: 4, WarmupMiB: 1})
				if assert.NoError(t, err, "Output") {
					assert.Positive(t, d, "Output")
				}
			}
			if r.Latency != nil {
				testLatency(t, r, n)
			}
			if r.Throughput != nil {
				for _, prog := range throughputChildren(t) {
					run, err := r.Throughput(context.Background(), harness.ThroughputConfig{Concurrency: 4, Total: 30, Child: prog})
					if assert.NoError(t, err, "Throughput of %s", prog.Path) {
						assert.Positive(t, run.Elapsed, "Throughput of %s", prog.Path)
						if r.Peer {
							assert.Positive(t, run.CPU, "%s: the driver's own CPU", prog.Path)
						}
					}
				}
			}
			assert.NoError(t, testutil.NoChildren())
		})
	}
}

// testLatency runs r's Latency for n exits (with idle children around if
// r is in the scale section) and checks the samples.
func testLatency(t *testing.T, r harness.Row, n int) {
	t.Helper()
	progress := 0
	cfg := harness.LatencyConfig{N: n, Warmup: 3, Progress: func(done int) { progress = done }}
	var pool *child.IdlePool
	if r.Scale {
		var err error
		pool, err = child.NewIdlePool()
		require.NoError(t, err)
		require.NoError(t, pool.Grow(5, nil))
		cfg.Idle = pool.Pids()
	}
	got, err := r.Latency(context.Background(), cfg)
	if pool != nil {
		assert.NoError(t, pool.Release(), "idle children")
	}
	require.NoError(t, err)
	checkSamples(t, r.Name, got, n)
	assert.Equal(t, n, progress, "progress at the end")
}

// throughputChildren are the throughput section's two children: /bin/true
// and the static true (written into a temporary directory; /bin/true again
// where there is none).
func throughputChildren(t *testing.T) []harness.Program {
	path, _, err := child.WriteStaticTrue(t.TempDir())
	require.NoError(t, err)
	return []harness.Program{{Path: child.TruePath, Args: []string{"true"}}, {Path: path, Args: []string{"true"}}}
}

func TestPeerSkipReason(t *testing.T) {
	r := peerRow("x", "", peerMethodNoSuchInterpreter, true)
	assert.ErrorIs(t, r.Check(), harness.ErrNotInstalled, "Available")
}
