package main

import (
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/childloop/childloop/examples/internal/extest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runLines runs the runner on lines (its stdin) with args, and returns
// its blocks and its exit status.
func runLines(t *testing.T, bin string, lines []string, args ...string) (map[int]*block, int) {
	t.Helper()
	p := extest.StartStdin(t, bin, args...)
	_, err := fmt.Fprintln(p.Stdin, strings.Join(lines, "\n"))
	require.NoError(t, err)
	require.NoError(t, p.Stdin.Close())
	code := exitCode(t, p.Wait(t))
	return blocks(t, p.Lines()), code
}

// noCR asserts that no printed line keeps the terminal's "\r".
func noCR(t *testing.T, bs map[int]*block) {
	t.Helper()
	for n, b := range bs {
		for _, l := range b.lines {
			assert.NotContains(t, l, "\r", "job %d: %q", n, l)
		}
	}
}

// TestParallelPtyIsatty: with -pty a job's fds 0..2 are a terminal, /dev/pts
// (tty runs without sh, on the direct path); without, they are not.
func TestParallelPtyIsatty(t *testing.T) {
	bin := extest.Build(t)
	lines := []string{
		`[ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo tty || echo notty`,
		`tty`,
	}
	bs, code := runLines(t, bin, lines, "-pty")
	assert.Equal(t, 0, code)
	require.Len(t, bs, 2)
	assert.Equal(t, []string{"tty"}, bs[1].lines)
	if assert.Len(t, bs[2].lines, 1) {
		assert.Regexp(t, `^/dev/pts/[0-9]+$`, bs[2].lines[0])
	}
	noCR(t, bs)

	bs, code = runLines(t, bin, lines)
	assert.Equal(t, 1, code, "tty fails on /dev/null")
	require.Len(t, bs, 2)
	assert.Equal(t, []string{"notty"}, bs[1].lines)
	assert.Equal(t, "exit 1", bs[2].status)
	assert.Equal(t, []string{"not a tty"}, bs[2].lines)
}

// TestParallelPtyColours: a job that colours its output on a terminal
// keeps the escapes with -pty, even with TERM unset in the runner (the job
// then gets one: GNU ls colours nothing without it), and prints them plain
// without -pty.
func TestParallelPtyColours(t *testing.T) {
	bin := extest.Build(t)
	lines := []string{
		`[ -t 1 ] && printf '\033[31mred\033[0m\n' || echo plain`,
		`ls --color=auto -d /`,
	}
	gnuLs := false
	if out, err := exec.Command("ls", "--version").Output(); err == nil {
		gnuLs = strings.Contains(string(out), "GNU")
	}
	// Unset, rather than empty, in the runner's environment.
	p := extest.StartStdin(t, "env", "-u", "TERM", bin, "-pty")
	_, err := fmt.Fprintln(p.Stdin, strings.Join(lines, "\n"))
	require.NoError(t, err)
	require.NoError(t, p.Stdin.Close())
	require.NoError(t, p.Wait(t))
	bs := blocks(t, p.Lines())
	require.Len(t, bs, 2)
	assert.Equal(t, []string{"\x1b[31mred\x1b[0m"}, bs[1].lines)
	if gnuLs {
		if assert.Len(t, bs[2].lines, 1) {
			assert.Regexp(t, `^\x1b\[[0-9;]*m.*/\x1b\[0m$`, bs[2].lines[0], "ls colours the directory")
		}
	}
	noCR(t, bs)

	bs, code := runLines(t, bin, lines)
	assert.Equal(t, 0, code)
	require.Len(t, bs, 2)
	assert.Equal(t, []string{"plain"}, bs[1].lines)
	assert.Equal(t, []string{"/"}, bs[2].lines)
}

// TestParallelPtyBlocks: jobs on terminals that write to stdout and stderr
// alternately, with pauses, while others do: each block holds exactly its
// job's lines, in order, with "\n" line ends.
func TestParallelPtyBlocks(t *testing.T) {
	bin := extest.Build(t)
	const jobs = 16
	var lines []string
	for n := 1; n <= jobs; n++ {
		lines = append(lines, fmt.Sprintf("for i in 1 2 3 4 5; do echo job %d out $i; echo job %d err $i >&2; sleep 0.0%d; done", n, n, n%4+1))
	}
	bs, code := runLines(t, bin, lines, "-pty", "-j", "6")
	assert.Equal(t, 0, code)
	require.Len(t, bs, jobs)
	for n := 1; n <= jobs; n++ {
		var want []string
		for i := 1; i <= 5; i++ {
			want = append(want, fmt.Sprintf("job %d out %d", n, i), fmt.Sprintf("job %d err %d", n, i))
		}
		assert.Equal(t, "ok", bs[n].status, "job %d", n)
		assert.Equal(t, want, bs[n].lines, "job %d: its lines, whole and in order", n)
	}
}

// TestParallelPtyStdin: a job that reads its terminal sees the end of its
// input at once (the runner types one Ctrl-D), through sh and on the
// direct path; the -timeout would stop one that waited.
func TestParallelPtyStdin(t *testing.T) {
	bin := extest.Build(t)
	bs, code := runLines(t, bin, []string{
		`cat`,
		`read x || echo "eof [$x]"`,
		`head -n 1`,
	}, "-pty", "-timeout", "20s")
	assert.Equal(t, 0, code)
	require.Len(t, bs, 3)
	for n, want := range map[int][]string{1: nil, 2: {"eof []"}, 3: nil} {
		assert.Equal(t, "ok", bs[n].status, "job %d", n)
		assert.Equal(t, want, bs[n].lines, "job %d: no echo of the Ctrl-D", n)
	}
}

// TestParallelPtyLimit: -limit counts the terminal's bytes ("\r\n" as
// two), and a "\r\n" the limit cut in half leaves no "\r".
func TestParallelPtyLimit(t *testing.T) {
	bin := extest.Build(t)
	// "abcd\r\nefgh\r\nijkl\r\n": 18 bytes; the first 11 end in "\r".
	bs, code := runLines(t, bin, []string{`printf 'abcd\nefgh\nijkl\n'`}, "-pty", "-limit", "11")
	assert.Equal(t, 0, code)
	require.Len(t, bs, 1)
	assert.Equal(t, []string{"abcd", "efgh", "--- [1] output truncated: the first 11 of 18 bytes shown"}, bs[1].lines)
}

// TestParallelPtyBanner: -v names the terminals' size (24×80: the runner's
// stdout is a pipe).
func TestParallelPtyBanner(t *testing.T) {
	bin := extest.Build(t)
	p := extest.Start(t, bin, "-pty", "-v")
	assert.Equal(t, 0, exitCode(t, p.Wait(t)))
	assert.Regexp(t, regexp.MustCompile(`^parallel: running .*, each on a 24×80 terminal\); Ctrl-C stops the jobs\n`), p.Stderr())
}
