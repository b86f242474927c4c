package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/examples/internal/extest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// block is one job's output as printed: its header and the lines up to the
// next header.
type block struct {
	n       int
	status  string        // "ok", "exit 3", "signal killed", "timeout (SIGTERM)"
	elapsed time.Duration // as the header gives it, rounded
	usage   string        // with -usage: "cpu 1ms, max rss 3.1M"
	line    string        // the command
	lines   []string
}

var headerRe = regexp.MustCompile(`^--- \[(\d+)\] ([^,]+), (\d[^,:]*)(?:, ([^:]*))?: (.*)$`)

// blocks splits the program's stdout into blocks; every line must belong to
// one, and each job number may appear only once.
func blocks(t *testing.T, lines []string) map[int]*block {
	t.Helper()
	bs := map[int]*block{}
	var cur *block
	for i, l := range lines {
		if m := headerRe.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[1])
			require.NotContains(t, bs, n, "line %d: a second block for job %d", i, n)
			d, err := time.ParseDuration(m[3])
			require.NoError(t, err, "line %d: the elapsed time", i)
			cur = &block{n: n, status: m[2], elapsed: d, usage: m[4], line: m[5]}
			bs[n] = cur
			continue
		}
		require.NotNil(t, cur, "line %d (%q) before the first block header", i, l)
		cur.lines = append(cur.lines, l)
	}
	return bs
}

// exitCode is the program's exit status from extest's Wait.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "wait: %v", err)
	return ee.ExitCode()
}

// TestParallelMany runs 50 jobs 8 at a time, each writing ten lines
// alternately to stdout and stderr with pauses in between, so that the jobs
// overlap; some fail. Every block must hold exactly its job's lines, in
// order; at most 8 jobs may run at once (each job counts the marker files
// of the running ones), and more than one must have.
func TestParallelMany(t *testing.T) {
	bin := extest.Build(t)
	dir := t.TempDir()
	const jobs = 50
	var input strings.Builder
	want := map[int]string{} // job → status
	for n := 1; n <= jobs; n++ {
		code, st := 0, "ok"
		switch {
		case n == 20:
			code, st = -1, "signal killed"
		case n%7 == 0:
			code = n%5 + 1
			st = fmt.Sprintf("exit %d", code)
		}
		want[n] = st
		cmd := fmt.Sprintf("touch %s/%d; for i in 1 2 3 4 5; do echo job %d out $i; echo job %d err $i >&2; sleep 0.0%d; done; "+
			"echo job %d peers $(ls %s | wc -l); rm %s/%d; ", dir, n, n, n, n%4+1, n, dir, dir, n)
		if code < 0 {
			cmd += "kill -KILL $$"
		} else {
			cmd += fmt.Sprintf("exit %d", code)
		}
		fmt.Fprintln(&input, cmd)
		if n%10 == 0 {
			fmt.Fprintln(&input, "   ") // blank lines are skipped
		}
	}
	p := extest.StartStdin(t, bin, "-j", "8")
	_, err := p.Stdin.Write([]byte(input.String()))
	require.NoError(t, err)
	require.NoError(t, p.Stdin.Close())
	assert.Equal(t, 1, exitCode(t, p.Wait(t)), "exit status with failed jobs")

	bs := blocks(t, p.Lines())
	require.Len(t, bs, jobs, "one block per job")
	peersRe := regexp.MustCompile(`^job (\d+) peers +(\d+)$`)
	maxPeers := 0
	var failed []string
	for n := 1; n <= jobs; n++ {
		b := bs[n]
		require.NotNil(t, b, "job %d", n)
		assert.Equal(t, want[n], b.status, "job %d's status", n)
		var lines []string
		for i := 1; i <= 5; i++ {
			lines = append(lines, fmt.Sprintf("job %d out %d", n, i), fmt.Sprintf("job %d err %d", n, i))
		}
		if assert.Len(t, b.lines, 11, "job %d: ten lines and the peer count", n) {
			assert.Equal(t, lines, b.lines[:10], "job %d: its lines, whole and in order", n)
			m := peersRe.FindStringSubmatch(b.lines[10])
			if assert.NotNil(t, m, "job %d: %q", n, b.lines[10]) {
				assert.Equal(t, strconv.Itoa(n), m[1])
				peers, _ := strconv.Atoi(m[2])
				assert.LessOrEqual(t, peers, 8, "job %d ran with %d jobs (-j 8)", n, peers)
				maxPeers = max(maxPeers, peers)
			}
		}
		if want[n] != "ok" {
			failed = append(failed, fmt.Sprintf("  [%d] %s: %s", n, want[n], b.line))
		}
	}
	assert.Greater(t, maxPeers, 1, "jobs ran in parallel")
	assert.Equal(t, fmt.Sprintf("parallel: 50 jobs, %d failed:\n%s\n", len(failed), strings.Join(failed, "\n")),
		p.Stderr(), "the summary")
}

// TestParallelFile reads the commands from a file: output limits, a last
// line without a newline, a background process holding the pipe (with
// -tree none: otherwise the job's tree would end with it), and a run in
// which every job succeeds.
func TestParallelFile(t *testing.T) {
	bin := extest.Build(t)
	file := filepath.Join(t.TempDir(), "cmds")
	require.NoError(t, os.WriteFile(file, []byte(strings.Join([]string{
		"head -c 100000 /dev/zero | tr '\\0' x",
		"",
		"printf 'no newline'",
		"(sleep 2 &); echo bg",
		"echo short",
		"echo last line without a newline",
	}, "\n")), 0o600))
	p := extest.Start(t, bin, "-f", file, "-j", "2", "-limit", "1k", "-tree", "none")
	assert.Equal(t, 0, exitCode(t, p.Wait(t)), "exit status when every job succeeded")
	bs := blocks(t, p.Lines())
	require.Len(t, bs, 5)
	for n, lines := range map[int][]string{
		1: {strings.Repeat("x", 1024), "--- [1] output truncated: the first 1024 of 100000 bytes shown"},
		2: {"no newline"},
		3: {"bg", "--- [3] output cut: the pipe was still open 1s after the exit (a background process?)"},
		4: {"short"},
		5: {"last line without a newline"},
	} {
		assert.Equal(t, "ok", bs[n].status, "job %d", n)
		assert.Equal(t, lines, bs[n].lines, "job %d", n)
	}
	assert.Equal(t, "parallel: 5 jobs, all succeeded\n", p.Stderr())
}

// TestParallelDevNull: an input the loop cannot watch (epoll refuses
// /dev/null) is read at once; no jobs is success.
func TestParallelDevNull(t *testing.T) {
	bin := extest.Build(t)
	p := extest.Start(t, bin) // stdin: /dev/null
	assert.Equal(t, 0, exitCode(t, p.Wait(t)))
	assert.Empty(t, p.Lines())
	assert.Equal(t, "parallel: 0 jobs, all succeeded\n", p.Stderr())
}

// TestParallelStreaming: jobs start as their lines arrive, before the
// input ends.
func TestParallelStreaming(t *testing.T) {
	bin := extest.Build(t)
	p := extest.StartStdin(t, bin, "-j", "2")
	for n := 1; n <= 3; n++ {
		_, err := fmt.Fprintf(p.Stdin, "echo line %d\n", n)
		require.NoError(t, err)
		p.WaitLine(t, 0, regexp.MustCompile(fmt.Sprintf(`^--- \[%d\] ok, .*: echo line %d$`, n, n)))
	}
	require.NoError(t, p.Stdin.Close())
	assert.Equal(t, 0, exitCode(t, p.Wait(t)))
	assert.Equal(t, "parallel: 3 jobs, all succeeded\n", p.Stderr())
}

// TestParallelInterrupt: SIGTERM stops the running jobs (SIGTERM to their
// trees), nothing more is started, and the exit status is 128+15.
func TestParallelInterrupt(t *testing.T) {
	bin := extest.Build(t)
	dir := t.TempDir()
	var input strings.Builder
	for n := 1; n <= 5; n++ {
		fmt.Fprintf(&input, "touch %s/%d; sleep 30\n", dir, n)
	}
	file := filepath.Join(dir, "cmds")
	require.NoError(t, os.WriteFile(file, []byte(input.String()), 0o600))
	p := extest.Start(t, bin, "-f", file, "-j", "2")
	// The jobs run in trees of their own, beyond extest's group kill:
	// should the test fail half-way, the runner ends them.
	t.Cleanup(func() { _ = p.Cmd.Process.Signal(syscall.SIGTERM); _ = p.Wait(t) })
	require.Eventually(t, func() bool {
		ents, _ := os.ReadDir(dir)
		return len(ents) == 3 // cmds and two markers
	}, extest.HangGuard, 10*time.Millisecond, "two jobs running")
	p.Signal(t, syscall.SIGTERM)
	assert.Equal(t, 128+int(syscall.SIGTERM), exitCode(t, p.Wait(t)), "exit status after SIGTERM")
	bs := blocks(t, p.Lines())
	require.Len(t, bs, 2, "only the two running jobs")
	for n, b := range bs {
		assert.Equal(t, "interrupted (SIGTERM)", b.status, "job %d", n)
		assert.Empty(t, b.lines)
	}
	assert.Regexp(t, `^parallel: terminated: stopping 2 jobs: SIGTERM now, SIGKILL in 5s \(a second signal kills them at once\)\n`+
		`parallel: 2 jobs, 2 failed:\n  \[1\] interrupted: .*\n  \[2\] interrupted: .*\nparallel: terminated: 3 jobs not started\n$`, p.Stderr())
}

// TestParallelInterruptTwice: jobs that survive the SIGTERM of the first
// signal (they trap it and note that they got it) are killed at once by
// the second; the exit status is the first signal's.
func TestParallelInterruptTwice(t *testing.T) {
	bin := extest.Build(t)
	dir := t.TempDir()
	var input strings.Builder
	for n := 1; n <= 3; n++ {
		fmt.Fprintf(&input, "trap 'touch %s/term%d' TERM; touch %s/run%d; while :; do sleep 0.05; done\n", dir, n, dir, n)
	}
	file := filepath.Join(dir, "cmds")
	require.NoError(t, os.WriteFile(file, []byte(input.String()), 0o600))
	p := extest.Start(t, bin, "-f", file, "-j", "2")
	t.Cleanup(func() { _ = p.Cmd.Process.Signal(syscall.SIGTERM); _ = p.Wait(t) })
	markers := func(prefix string) int {
		ents, _ := os.ReadDir(dir)
		n := 0
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), prefix) {
				n++
			}
		}
		return n
	}
	require.Eventually(t, func() bool { return markers("run") == 2 }, extest.HangGuard, 10*time.Millisecond, "two jobs running")
	p.Signal(t, syscall.SIGTERM)
	// Both jobs caught their SIGTERM (the grace is 5s): the runner has
	// taken the first signal, so the second cannot overtake it.
	require.Eventually(t, func() bool { return markers("term") == 2 }, extest.HangGuard, 10*time.Millisecond, "both jobs got SIGTERM")
	p.Signal(t, syscall.SIGINT)
	assert.Equal(t, 128+int(syscall.SIGTERM), exitCode(t, p.Wait(t)), "exit status: the first signal's")
	bs := blocks(t, p.Lines())
	require.Len(t, bs, 2, "only the two running jobs")
	for n, b := range bs {
		assert.Equal(t, "interrupted (SIGKILL)", b.status, "job %d", n)
		assert.Less(t, b.elapsed, extest.HangGuard)
	}
	assert.Regexp(t, `^parallel: terminated: stopping 2 jobs: .*\nparallel: a second signal \(interrupt\): killing 2 jobs now\n`+
		`parallel: 2 jobs, 2 failed:\n  \[1\] interrupted, killed: .*\n  \[2\] interrupted, killed: .*\nparallel: terminated: 1 job not started\n$`, p.Stderr())
}

// TestParallelInterruptGrace: -grace without -timeout sets the grace of
// the stop after a signal. A job that ignores SIGTERM is killed that long
// after it (a lower bound only), and the runner says, before the wait,
// what it is doing.
func TestParallelInterruptGrace(t *testing.T) {
	bin := extest.Build(t)
	const grace = 300 * time.Millisecond
	dir := t.TempDir()
	file := filepath.Join(dir, "cmds")
	require.NoError(t, os.WriteFile(file, []byte("trap '' TERM; touch "+dir+"/run; sleep 30\n"), 0o600))
	p := extest.Start(t, bin, "-f", file, "-grace", grace.String(), "-v")
	t.Cleanup(func() { _ = p.Cmd.Process.Signal(syscall.SIGTERM); _ = p.Wait(t) })
	require.Eventually(t, func() bool {
		_, err := os.Stat(filepath.Join(dir, "run"))
		return err == nil
	}, extest.HangGuard, 10*time.Millisecond, "the job running")
	start := time.Now()
	p.Signal(t, syscall.SIGINT)
	assert.Equal(t, 128+int(syscall.SIGINT), exitCode(t, p.Wait(t)), "exit status after SIGINT")
	assert.GreaterOrEqual(t, time.Since(start), grace, "killed before the grace ended")
	bs := blocks(t, p.Lines())
	require.Len(t, bs, 1)
	assert.Equal(t, "interrupted (SIGKILL after grace)", bs[1].status)
	assert.Regexp(t, `^parallel: running each line as sh -c LINE, \d+ at a time \(tree \w+.*, grace 300ms\); Ctrl-C stops the jobs\n`+
		`parallel: interrupt: stopping 1 job: SIGTERM now, SIGKILL in 300ms \(Ctrl-C again kills them at once\)\n`+
		`parallel: 1 job, 1 failed:\n  \[1\] interrupted, killed after grace: .*\nparallel: interrupt: every job had started\n$`, p.Stderr())
}

// TestParallelTimeout: -timeout stops a job that overruns it with SIGTERM,
// and one that ignores SIGTERM with SIGKILL -grace later; neither ends
// before its time (a lower bound only: a loaded machine may take longer).
// Both count as failed.
func TestParallelTimeout(t *testing.T) {
	bin := extest.Build(t)
	const timeout, grace = time.Second, 200 * time.Millisecond
	p := extest.StartStdin(t, bin, "-j", "3", "-timeout", timeout.String(), "-grace", grace.String())
	_, err := fmt.Fprint(p.Stdin, "sleep 30\ntrap '' TERM; sleep 30\necho quick\n")
	require.NoError(t, err)
	require.NoError(t, p.Stdin.Close())
	start := time.Now()
	assert.Equal(t, 1, exitCode(t, p.Wait(t)), "exit status with timed-out jobs")
	assert.GreaterOrEqual(t, time.Since(start), timeout+grace)
	bs := blocks(t, p.Lines())
	require.Len(t, bs, 3)
	assert.Equal(t, "timeout (SIGTERM)", bs[1].status)
	assert.GreaterOrEqual(t, bs[1].elapsed, timeout)
	assert.Equal(t, "timeout (SIGKILL after grace)", bs[2].status)
	assert.GreaterOrEqual(t, bs[2].elapsed, timeout+grace)
	assert.Equal(t, "ok", bs[3].status)
	assert.Equal(t, []string{"quick"}, bs[3].lines)
	assert.Equal(t, "parallel: 3 jobs, 2 failed:\n  [1] timed out: sleep 30\n  [2] timed out, killed after grace: trap '' TERM; sleep 30\n", p.Stderr())
}

// TestParallelUsage: -usage puts the job's CPU time and memory in its
// header.
func TestParallelUsage(t *testing.T) {
	bin := extest.Build(t)
	p := extest.StartStdin(t, bin, "-usage", "-v")
	_, err := fmt.Fprint(p.Stdin, "echo hi\n")
	require.NoError(t, err)
	require.NoError(t, p.Stdin.Close())
	assert.Equal(t, 0, exitCode(t, p.Wait(t)))
	bs := blocks(t, p.Lines())
	require.Len(t, bs, 1)
	assert.Equal(t, []string{"hi"}, bs[1].lines)
	const size = `\d+(\.\d)?[BkMG]`
	tree := treeOf(t, p.Stderr())
	if tree == "cgroup" {
		// max rss where the cgroup has no memory.peak (no memory
		// controller).
		assert.Regexp(t, `^cpu \S+, tree cpu \S+, (tree mem|max rss) `+size+`$`, bs[1].usage)
	} else {
		assert.Regexp(t, `^cpu \S+, max rss `+size+`$`, bs[1].usage)
	}
	m := regexp.MustCompile(`cpu (\S+),`).FindStringSubmatch(bs[1].usage)
	require.NotNil(t, m)
	_, err = time.ParseDuration(m[1])
	assert.NoError(t, err, "the cpu time")
}

// treeOf returns the tree mode that -v printed.
func treeOf(t *testing.T, stderr string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^parallel: running each line as sh -c LINE, \d+ at a time \(tree (\w+)`).FindStringSubmatch(stderr)
	require.NotNil(t, m, "-v's first line in %q", stderr)
	return m[1]
}

// TestParallelUsageErrors: flags that make no sense are refused with exit
// status 2.
func TestParallelUsageErrors(t *testing.T) {
	bin := extest.Build(t)
	for _, args := range [][]string{
		{"-tree", "forest"},
		{"-timeout", "-1s"},
		{"-j", "0"},
		{"extra"},
	} {
		p := extest.Start(t, bin, args...)
		assert.Equal(t, 2, exitCode(t, p.Wait(t)), "%q", args)
		assert.Contains(t, p.Stderr(), "usage: parallel", "%q", args)
		assert.Empty(t, p.Lines(), "%q", args)
	}
}

func TestParallelHelp(t *testing.T) {
	extest.CheckHelp(t, extest.Build(t))
}
