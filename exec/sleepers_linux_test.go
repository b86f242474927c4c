package exec_test

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func runSleepers(t *testing.T, impl string, n int) sleepersReport {
	cmd := testutil.HelperCommand(t, "sleepers", impl, strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	require.NoError(t, err)
	var rep sleepersReport
	require.NoError(t, json.Unmarshal(out, &rep), "%s", out)
	t.Logf("%s, %d children: %+v", impl, n, rep)
	return rep
}

// capacity skips the test unless this machine can hold n more processes
// and n pidfds in one process.
func capacity(t *testing.T, n int) {
	b, err := os.ReadFile("/proc/sys/kernel/pid_max")
	require.NoError(t, err)
	pidMax, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	procs, err := testutil.Procs()
	require.NoError(t, err)
	if pidMax-len(procs) < n+1000 {
		t.Skipf("pid_max %d with %d processes running cannot hold %d more", pidMax, len(procs), n)
	}
	var lim unix.Rlimit
	require.NoError(t, unix.Getrlimit(unix.RLIMIT_NPROC, &lim))
	if lim.Cur != unix.RLIM_INFINITY && lim.Cur < uint64(n+len(procs)+1000) {
		t.Skipf("RLIMIT_NPROC %d cannot hold %d more processes", lim.Cur, n)
	}
	require.NoError(t, unix.Getrlimit(unix.RLIMIT_NOFILE, &lim))
	if lim.Max < uint64(n+1000) {
		t.Skipf("the RLIMIT_NOFILE hard limit %d cannot hold a pidfd for each of %d children", lim.Max, n)
	}
}

// TestManyWaitingChildren waits for 12000 children from 12000 goroutines,
// more than Go's default limit of 10000 threads, which os/exec, holding a
// thread per Wait, would exceed. Its little brother with os/exec shows that
// thread per child.
func TestManyWaitingChildren(t *testing.T) {
	if testing.Short() {
		t.Skip("12000 processes")
	}
	n := 12000
	if s := os.Getenv("EXEC_TEST_SLEEPERS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	if raceEnabled {
		// The race detector allows at most 8128 live goroutines.
		n = 4000
	}
	capacity(t, n)
	rep := runSleepers(t, "childloop", n)
	assert.Empty(t, rep.Failed)
	assert.Equal(t, n, rep.Started)
	assert.Less(t, rep.MaxThreads, 100, "threads at any time")
	assert.Less(t, rep.ThreadsWaiting, 100, "threads while every child was waited for")
	assert.Empty(t, rep.Zombies)
	assert.Equal(t, rep.FDsBefore, rep.FDsAfter, "fds after the last child")

	// os/exec for comparison, with few enough children to survive.
	const m = 300
	std := runSleepers(t, "os/exec", m)
	assert.Empty(t, std.Failed)
	assert.GreaterOrEqual(t, std.ThreadsWaiting, m, "os/exec holds a thread per waiting child")
}
