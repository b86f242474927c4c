package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/examples/internal/extest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// markerSeq makes each marker of a test binary unique.
var markerSeq atomic.Int64

// newMarker returns a duration argument for sleep, 30.<digits> seconds,
// unique to this test process and call, by which /proc tells the test's
// sleeps from every other process.
func newMarker() string {
	return fmt.Sprintf("30.%d%03d", os.Getpid(), markerSeq.Add(1))
}

// withMarker lists the processes whose command line contains marker as a
// whole argument.
func withMarker(t *testing.T, marker string) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var pids []int
	want := []byte(marker)
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue // gone meanwhile
		}
		for _, arg := range bytes.Split(b, []byte{0}) {
			if bytes.Equal(arg, want) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// gone asserts that the processes with marker are gone, or go within a
// few seconds: a SIGKILL sent just before the runner exited may take a
// moment to land on a loaded machine.
func gone(t *testing.T, marker, what string) bool {
	t.Helper()
	return assert.Eventually(t, func() bool { return len(withMarker(t, marker)) == 0 }, 5*time.Second, 10*time.Millisecond, what)
}

// killMarked kills what is left of the processes with the given markers
// when the test ends, whatever happened.
func killMarked(t *testing.T, markers ...string) {
	t.Cleanup(func() {
		for _, m := range markers {
			for _, pid := range withMarker(t, m) {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
}

// TestParallelTimeoutTree: a job that timed out leaves nothing behind, not
// even a grandchild that called setsid, when the runner's tree is a cgroup
// (-tree auto picks one where the machine allows it). With a process group
// the setsid'd grandchild escapes: the test then checks only that the
// plain one is gone, and skips saying so.
func TestParallelTimeoutTree(t *testing.T) {
	bin := extest.Build(t)
	plain, escapee := newMarker(), newMarker()
	killMarked(t, plain, escapee)
	const timeout = 2 * time.Second // time enough to see both grandchildren start
	p := extest.StartStdin(t, bin, "-v", "-timeout", timeout.String(), "-grace", "1s")
	_, err := fmt.Fprintf(p.Stdin, "sleep %s & setsid sleep %s & wait\n", plain, escapee)
	require.NoError(t, err)
	require.NoError(t, p.Stdin.Close())
	require.Eventually(t, func() bool {
		return len(withMarker(t, plain)) == 1 && len(withMarker(t, escapee)) == 1
	}, timeout, 10*time.Millisecond, "both grandchildren started before the timeout")
	assert.Equal(t, 1, exitCode(t, p.Wait(t)))
	bs := blocks(t, p.Lines())
	require.Len(t, bs, 1)
	assert.Equal(t, "timeout (SIGTERM)", bs[1].status)
	assert.GreaterOrEqual(t, bs[1].elapsed, timeout)
	gone(t, plain, "the grandchild in the job's group")
	tree := treeOf(t, p.Stderr())
	if tree != "cgroup" {
		left := withMarker(t, escapee)
		t.Skipf("tree %s: the setsid'd grandchild escapes a process group (%d left, killed by the test); "+
			"no survivors is checked only with a cgroup tree", tree, len(left))
	}
	gone(t, escapee, "the setsid'd grandchild, with tree "+tree)
	assert.Empty(t, bs[1].lines, "no output cut: nothing held the pipe")
}

// TestParallelTreeEndsWithJob: with the default tree, a background process
// a job leaves behind is killed when the job's sh exits, so it neither
// lingers nor holds the pipe open (with -tree none it does both: see
// TestParallelFile).
func TestParallelTreeEndsWithJob(t *testing.T) {
	bin := extest.Build(t)
	m := newMarker()
	killMarked(t, m)
	p := extest.StartStdin(t, bin, "-v")
	_, err := fmt.Fprintf(p.Stdin, "(sleep %s &); echo bg\n", m)
	require.NoError(t, err)
	require.NoError(t, p.Stdin.Close())
	assert.Equal(t, 0, exitCode(t, p.Wait(t)))
	bs := blocks(t, p.Lines())
	require.Len(t, bs, 1)
	assert.Equal(t, "ok", bs[1].status)
	assert.Equal(t, []string{"bg"}, bs[1].lines, "no output cut")
	gone(t, m, "the background sleep, with tree "+treeOf(t, p.Stderr()))
}

// TestParallelDirect: a plain command runs as the runner's own child, not
// sh's; with -sh it runs under sh. (Its /proc/self/stat names its parent.)
func TestParallelDirect(t *testing.T) {
	bin := extest.Build(t)
	for _, sh := range []bool{false, true} {
		args := []string{}
		if sh {
			args = append(args, "-sh")
		}
		p := extest.StartStdin(t, bin, args...)
		_, err := p.Stdin.Write([]byte("cat /proc/self/stat\n"))
		require.NoError(t, err)
		require.NoError(t, p.Stdin.Close())
		assert.Equal(t, 0, exitCode(t, p.Wait(t)))
		bs := blocks(t, p.Lines())
		require.Len(t, bs, 1)
		require.Len(t, bs[1].lines, 1)
		// pid (comm) state ppid ...; comm is "cat", without spaces.
		f := strings.Fields(bs[1].lines[0])
		require.GreaterOrEqual(t, len(f), 4)
		runner := strconv.Itoa(p.Cmd.Process.Pid)
		if sh {
			assert.NotEqual(t, runner, f[3], "-sh: cat's parent is sh")
		} else {
			assert.Equal(t, runner, f[3], "cat's parent is the runner")
		}
	}
}

// TestParallelSlotFreeAtExit: with -j 1, a job whose setsid'd grandchild
// holds its pipe (cut a second after the job's exit) does not hold its
// slot: the next job runs, and is printed, before that cut.
func TestParallelSlotFreeAtExit(t *testing.T) {
	bin := extest.Build(t)
	m := newMarker()
	killMarked(t, m)
	ready := filepath.Join(t.TempDir(), "ready")
	p := extest.StartStdin(t, bin, "-j", "1", "-tree", "group")
	// Job 1 ends once the grandchild has left its group (setsid runs
	// sh after setsid(2)), so the group's end does not kill it.
	_, err := fmt.Fprintf(p.Stdin, "setsid sh -c 'touch %s; exec sleep %s' & while [ ! -e %s ]; do sleep 0.01; done; echo first\necho second\n", ready, m, ready)
	require.NoError(t, err)
	require.NoError(t, p.Stdin.Close())
	assert.Equal(t, 0, exitCode(t, p.Wait(t)))
	lines := p.Lines()
	bs := blocks(t, lines)
	require.Len(t, bs, 2)
	assert.Equal(t, []string{"first", "--- [1] output cut: the pipe was still open 1s after the exit (a background process?)"}, bs[1].lines)
	assert.Equal(t, []string{"second"}, bs[2].lines)
	require.NotEmpty(t, lines)
	assert.Regexp(t, `^--- \[2\] ok`, lines[0], "job 2 ended before job 1's pipe was cut")
}
