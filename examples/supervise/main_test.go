//go:build linux

package main

import (
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/examples/internal/extest"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scan returns the zombie children of parent and the pids of all processes
// whose process group is in groups. It reads /proc with testutil's parser,
// not the program's own (procStat), so that the check does not rest on the
// code under test.
func scan(t *testing.T, parent int, groups map[int]bool) (zombies, inGroups map[int]bool) {
	t.Helper()
	procs, err := testutil.Procs()
	require.NoError(t, err)
	zombies, inGroups = map[int]bool{}, map[int]bool{}
	for _, p := range procs {
		if p.Zombie() && p.PPid == parent {
			zombies[p.Pid] = true
		}
		if groups[p.Pgrp] {
			inGroups[p.Pid] = true
		}
	}
	return zombies, inGroups
}

var (
	startRe   = regexp.MustCompile(`^\[(\S+)\] (cmd\d) started pid (\d+) \(restarts (\d+)\)$`)
	restartRe = regexp.MustCompile(`^\[\S+\] (cmd\d) restart in (\S+)$`)
)

func TestSupervise(t *testing.T) {
	bin := extest.Build(t)
	p := extest.Start(t, bin,
		// -stable is generous so that cmd1's immediate failure cannot look
		// stable on a loaded machine (that would reset its backoff).
		"-cmd", "(sleep 0.31 &) ; exit 1", // fails at once, leaves an orphan
		"-cmd", "sleep 1.21; exit 2", // fails, but after a stable run
		"-initial", "100ms", "-max", "400ms", "-stable", "1s")
	sup := p.Cmd.Process.Pid
	// Stop it cleanly if the test fails half-way: its children live in
	// their own process groups, beyond extest's group kill.
	t.Cleanup(func() { _ = p.Cmd.Process.Signal(syscall.SIGTERM); _ = p.Wait(t) })

	tm, _ := p.WaitLine(t, 0, regexp.MustCompile(`^\[\S+\] trees: (cgroup|group) \(what a command leaves running is killed when it exits`))
	t.Logf("trees: %s", tm[1])
	m, _ := p.WaitLine(t, 0, regexp.MustCompile(`^\[\S+\] status socket (\S+) \(print it with -query\)$`))
	sock := m[1]

	// Five starts of cmd1: the delays chosen must double up to -max, and
	// the starts must be at least that far apart (a lower bound only).
	var starts []time.Duration
	var delays []string
	groups := map[int]bool{}
	for i := 0; len(starts) < 5; {
		_, i = p.WaitLine(t, i, regexp.MustCompile(`^\[\S+\] cmd1 (started|restart in)`))
		line := p.Lines()[i-1]
		if sm := startRe.FindStringSubmatch(line); sm != nil {
			at, err := time.ParseDuration(sm[1])
			require.NoError(t, err, "the time in %q", line)
			starts = append(starts, at)
			pid, _ := strconv.Atoi(sm[3])
			groups[pid] = true
		} else if rm := restartRe.FindStringSubmatch(line); rm != nil {
			delays = append(delays, rm[2])
		}
	}
	assert.Equal(t, []string{"100ms", "200ms", "400ms", "400ms"}, delays, "cmd1 restart delays")
	for k, d := range []time.Duration{100, 200, 400, 400} {
		// The log's times are rounded to the millisecond.
		assert.GreaterOrEqual(t, starts[k+1]-starts[k], (d-1)*time.Millisecond, "cmd1 start %d after start %d, before its %vms backoff", k+1, k, int(d))
	}
	// cmd2 runs longer than -stable each time: its delay stays at -initial.
	for i, n := 0, 0; n < 2; n++ {
		var m []string
		m, i = p.WaitLine(t, i, restartRe)
		for m[1] != "cmd2" {
			m, i = p.WaitLine(t, i, restartRe)
		}
		assert.Equal(t, "100ms", m[2], "cmd2 restart delay after a stable run")
	}

	// Orphans are reaped by the supervisor (it is their subreaper); a
	// command's tree ends with it, so cmd1's orphan is killed at its exit
	// ...
	p.WaitLine(t, 0, regexp.MustCompile(`^\[\S+\] orphan pid \d+ reaped: signal killed$`))
	// ... and no zombie child stays: every zombie seen is reaped later.
	seen, _ := scan(t, sup, nil)
	for deadline := time.Now().Add(extest.HangGuard); len(seen) > 0; {
		now, _ := scan(t, sup, nil)
		for pid := range seen {
			if !now[pid] {
				delete(seen, pid)
			}
		}
		require.False(t, time.Now().After(deadline), "zombie children of the supervisor not reaped: %v", seen)
		time.Sleep(10 * time.Millisecond) // polling /proc, not synchronisation
	}

	// The status socket: 0600, in a 0700 directory, one line per command.
	for path, want := range map[string]os.FileMode{sock: 0o600, sock[:strings.LastIndexByte(sock, '/')]: 0o700} {
		if fi, err := os.Stat(path); assert.NoError(t, err) {
			assert.Equal(t, want, fi.Mode().Perm(), "%s: mode", path)
		}
	}
	c, err := net.Dial("unix", sock)
	require.NoError(t, err)
	_ = c.SetDeadline(time.Now().Add(extest.HangGuard))
	status, err := io.ReadAll(c)
	c.Close()
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(status)), "\n")
	statusRe := regexp.MustCompile(`^(cmd\d) pid=(-|\d+) restarts=(\d+) last="(exit \d|-)" cmd=".+"$`)
	assert.Len(t, lines, 2, "status: %q", status)
	for i, l := range lines {
		m := statusRe.FindStringSubmatch(l)
		if assert.NotNil(t, m, "status line %q", l) && assert.Equal(t, "cmd"+strconv.Itoa(i+1), m[1], "status line %q", l) && i == 0 {
			n, _ := strconv.Atoi(m[3])
			assert.GreaterOrEqual(t, n, 4, "status line %q: cmd1 has been restarted at least 4 times", l)
		}
	}

	// SIGTERM: forwarded, no more restarts, exit 0 once the children are gone.
	p.Signal(t, syscall.SIGTERM)
	require.NoError(t, p.Wait(t), "supervise after SIGTERM")
	_, after := p.WaitLine(t, 0, regexp.MustCompile(`^\[\S+\] got terminated: stopping the commands: SIGTERM now, SIGKILL in 5s$`))
	p.WaitLine(t, after, regexp.MustCompile(`^\[\S+\] all children gone; exiting$`))
	assert.Equal(t, 1, countLines(p.Lines(), "all children gone; exiting"), "the last words, once")
	for _, l := range p.Lines()[after:] {
		assert.False(t, strings.Contains(l, "started") || strings.Contains(l, "restart in"), "restart after SIGTERM: %q", l)
	}
	for _, l := range p.Lines() {
		if sm := startRe.FindStringSubmatch(l); sm != nil {
			pid, _ := strconv.Atoi(sm[3])
			groups[pid] = true
		}
	}
	// Nothing is left of any command, orphans included: every process
	// group the supervisor created is empty.
	_, left := scan(t, -1, groups)
	assert.Empty(t, left, "processes left in the commands' process groups")
	assert.Empty(t, withArgs(t, "sleep 0.31", "sleep 1.21"), "processes of the commands left")
	_, err = os.Stat(sock)
	assert.ErrorIs(t, err, fs.ErrNotExist, "status socket still there after exit")
}

// countLines counts the log lines that end with suffix.
func countLines(lines []string, suffix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasSuffix(l, suffix) {
			n++
		}
	}
	return n
}

// TestSuperviseOrphan: an orphan whose command still runs lives on and is
// reaped by the supervisor when it ends (exit 0, not killed); -query prints
// the status; a stop with several exits at once (an orphan's too) says it
// is done once, last.
func TestSuperviseOrphan(t *testing.T) {
	bin := extest.Build(t)
	p := extest.Start(t, bin, "-cmd", "(sleep 0.2 &); (sleep 30 &); sleep 30", "-cmd", "sleep 30", "-cmd", "sleep 30")
	t.Cleanup(func() { _ = p.Cmd.Process.Signal(syscall.SIGTERM); _ = p.Wait(t) })
	m, _ := p.WaitLine(t, 0, regexp.MustCompile(`^\[\S+\] status socket (\S+) `))
	sm, _ := p.WaitLine(t, 0, regexp.MustCompile(`^\[(\S+)\] orphan pid \d+ reaped: exit 0$`))
	at, err := time.ParseDuration(sm[1])
	require.NoError(t, err)
	assert.GreaterOrEqual(t, at, 200*time.Millisecond, "the orphan reaped before it ended")

	out, err := exec.Command(bin, "-query", m[1]).Output()
	require.NoError(t, err, "-query")
	assert.Regexp(t, `^cmd1 pid=\d+ restarts=0 last="-" cmd="\(sleep 0.2 &\); \(sleep 30 &\); sleep 30"\ncmd2 .*\ncmd3 .*\n$`, string(out))

	p.Signal(t, syscall.SIGTERM)
	require.NoError(t, p.Wait(t))
	lines := p.Lines()
	exited := 0
	for _, l := range lines {
		if strings.Contains(l, " exited: ") {
			exited++
		}
	}
	assert.Equal(t, 3, exited, "three commands stopped")
	// The background sleep 30, and each sh's sleep 30 once its sh is gone.
	assert.GreaterOrEqual(t, countLines(lines, "reaped: signal terminated"), 1, "orphans stopped with their trees")
	assert.Equal(t, 1, countLines(lines, "all children gone; exiting"), "the last words, once")
	assert.Regexp(t, `all children gone; exiting$`, lines[len(lines)-1], "the last line")
}

// TestSuperviseCheck: os/exec's Wait gets the -check command's status
// while the supervisor reaps orphans (ModeOrphans never takes it). With
// ModeReapAll a tenth or so of the checks fail with ECHILD at this pace,
// so a hundred checks all ok is no luck.
func TestSuperviseCheck(t *testing.T) {
	bin := extest.Build(t)
	p := extest.Start(t, bin, "-cmd", "(sleep 0.2 &); sleep 0.5; exit 1", "-check", "exit 0", "-check-every", "1ms")
	t.Cleanup(func() { _ = p.Cmd.Process.Signal(syscall.SIGTERM); _ = p.Wait(t) })
	checkRe := regexp.MustCompile(`^\[\S+\] check: ((?:ok|exit|signal|error) .*)$`)
	for i, n := 0, 0; n < 100; n++ {
		var m []string
		m, i = p.WaitLine(t, i, checkRe)
		require.Regexp(t, `^ok after \S+$`, m[1], "check %d", n+1)
	}
	// The orphan that the command's subshell left is reaped when it ends.
	p.WaitLine(t, 0, regexp.MustCompile(`^\[\S+\] orphan pid \d+ reaped: exit 0$`))

	// SIGTERM kills a running check, logs its result, then exits 0.
	p.Signal(t, syscall.SIGTERM)
	require.NoError(t, p.Wait(t))
	lines := p.Lines()
	for _, l := range lines {
		assert.NotContains(t, l, "no child processes")
	}
	assert.Regexp(t, `all children gone; exiting$`, lines[len(lines)-1], "the last line")
}

// withArgs returns the pids of processes whose command line is one of
// cmdlines (arguments joined by spaces).
func withArgs(t *testing.T, cmdlines ...string) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		line := strings.TrimRight(strings.ReplaceAll(string(b), "\x00", " "), " ")
		for _, c := range cmdlines {
			if line == c {
				out = append(out, pid)
			}
		}
	}
	return out
}

// TestSuperviseGrace: a command that ignores SIGTERM is killed -grace after
// the supervisor's SIGTERM, and so is what it started.
func TestSuperviseGrace(t *testing.T) {
	bin := extest.Build(t)
	p := extest.Start(t, bin, "-grace", "300ms", "-cmd", `trap "" TERM; sleep 30.71 & sleep 30.72; wait`)
	t.Cleanup(func() {
		for _, pid := range withArgs(t, "sleep 30.71", "sleep 30.72") {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	_, i := p.WaitLine(t, 0, regexp.MustCompile(`^\[\S+\] cmd1 started pid \d+`))
	deadline := time.Now().Add(extest.HangGuard)
	for len(withArgs(t, "sleep 30.71", "sleep 30.72")) < 2 {
		require.True(t, time.Now().Before(deadline), "the command's sleeps never started")
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	p.Signal(t, syscall.SIGTERM)
	require.NoError(t, p.Wait(t))
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "killed before the grace ended")
	p.WaitLine(t, i, regexp.MustCompile(`^\[\S+\] cmd1 exited: signal killed \(stopped: childproc: child stopped, forced\)`))
	assert.Empty(t, withArgs(t, "sleep 30.71", "sleep 30.72"), "the command's processes outlived the supervisor")
}

func TestSuperviseHelp(t *testing.T) {
	extest.CheckHelp(t, extest.Build(t))
}
