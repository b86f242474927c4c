package childproc_test

import (
	"bytes"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childloop/childloop/childproc"
)

// onTerminal returns a Cmd running sh -c script with fds 0..2 on a 24×80
// terminal whose output is kept.
func onTerminal(script string, d *recorder) (*childproc.Cmd, *childproc.Terminal) {
	t := &childproc.Terminal{Rows: 24, Cols: 80, Output: &childproc.Output{}}
	cmd := shellIO(script, d)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = t, t, t
	return cmd, t
}

// The child runs on a terminal of its own: tty names a /dev/pts path,
// stty reports the size asked for, /dev/tty opens (it is the controlling
// terminal), and the child leads its session.
func TestTerminalIsATerminal(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	before := openFDs(t)
	d := newRecorder()
	cmd, term := onTerminal(`tty; stty size; exec 3</dev/tty && echo ctty; ps -o sid= -p $$; echo pid $$; exit 4`, d)
	term.Rows, term.Cols = 33, 111
	_, err := c.Spawn(cmd)
	require.NoError(t, err)
	r := d.result(t)
	out := string(r.Stdout)
	assert.Equal(t, 4, r.Status.Code, "status; output %q", out)
	assert.Regexp(t, `^/dev/pts/[0-9]+\r\n33 111\r\nctty\r\n`, out)
	m := regexp.MustCompile(`(?m)^\s*([0-9]+)\r\npid ([0-9]+)\r\n$`).FindStringSubmatch(out)
	if assert.NotNil(t, m, "sid and pid in %q", out) {
		assert.Equal(t, m[2], m[1], "the child leads its session")
	}
	assert.Equal(t, int64(len(out)), r.StdoutTotal)
	assert.Nil(t, r.Stderr, "fd 2 shares fd 1's terminal: one stream")
	assert.False(t, r.Cut)
	assertFDsBack(t, before, "fds after the child is done")
}

// syncBuffer is a bytes.Buffer for a writer on the loop goroutine read by
// the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls until s contains want.
func (s *syncBuffer) waitFor(t *testing.T, want string) {
	t.Helper()
	if !settles(func() bool { return strings.Contains(s.String(), want) }) {
		require.FailNow(t, "never written", "%q not in %q", want, s.String())
	}
}

// After Resize, a child that traps SIGWINCH reports the new size; Resize
// after the exit says the process is done, and on a child without a
// terminal it is invalid, as are bad sizes.
func TestTerminalResize(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	d := newRecorder()
	var out syncBuffer
	cmd, term := onTerminal(`trap 'stty size; exit 0' WINCH; echo ready; while :; do sleep 0.01; done`, d)
	term.Output = &out
	ch, err := c.Spawn(cmd)
	require.NoError(t, err)
	out.waitFor(t, "ready\r\n")
	assert.ErrorIs(t, ch.Resize(0, 80), os.ErrInvalid)
	assert.ErrorIs(t, ch.Resize(24, childproc.MaxTerminalSize+1), os.ErrInvalid)
	require.NoError(t, ch.Resize(50, 132))
	r := d.result(t)
	assert.Equal(t, 0, r.Status.Code)
	assert.Contains(t, out.String(), "ready\r\n50 132\r\n")
	assert.ErrorIs(t, ch.Resize(10, 10), os.ErrProcessDone)

	plain, err := c.Spawn(shell("exit 0", newRecorder().onExit(c)))
	require.NoError(t, err)
	assert.ErrorIs(t, plain.Resize(24, 80), os.ErrInvalid)
}

// A descendant that keeps the terminal (it ignores the SIGHUP the session
// leader's exit sends) holds the output open: the exit is reported at
// once, OnDone after the drain deadline with Cut set and what was written
// before kept.
func TestTerminalCut(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	d := newRecorder()
	cmd, _ := onTerminal(`trap '' HUP; sleep 30 & echo hi $!`, d)
	const drain = 300 * time.Millisecond
	cmd.DrainTimeout = drain
	_, err := c.Spawn(cmd)
	require.NoError(t, err)
	r := d.result(t)
	all := d.All()
	var exit, done time.Duration
	for _, rs := range all {
		exit, done = rs[0].elapsed, rs[1].elapsed
	}
	out := string(r.Stdout)
	if m := regexp.MustCompile(`hi ([0-9]+)`).FindStringSubmatch(out); assert.NotNil(t, m, "output %q", out) {
		pid, _ := strconv.Atoi(m[1])
		t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	}
	assert.Equal(t, 0, r.Status.Code)
	assert.True(t, r.Cut, "Cut")
	// OnExit came first (result checks the order) and OnDone a drain
	// deadline after it: the exit did not wait for the terminal. Only
	// lower bounds, which a slow machine cannot break.
	assert.GreaterOrEqual(t, done-exit, drain-10*time.Millisecond, "OnDone waits for the deadline")
}

// Typed input reaches the child, and the terminal echoes it: cat prints a
// line back (so it appears twice) and ends at Ctrl-D; head -c 5 stops
// reading early, which fails nothing, even with far more input queued
// than the terminal takes.
func TestTerminalInput(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})

	d := newRecorder()
	cmd, term := onTerminal(`cat`, d)
	term.Input = &childproc.Input{Data: []byte("hello\n\x04")}
	_, err := c.Spawn(cmd)
	require.NoError(t, err)
	r := d.result(t)
	assert.Equal(t, 0, r.Status.Code)
	assert.Equal(t, "hello\r\nhello\r\n", string(r.Stdout), "echo, then cat's copy")
	assert.NoError(t, r.StdinErr)

	d = newRecorder()
	cmd, term = onTerminal(`head -c 5; echo; echo done`, d)
	term.Input = &childproc.Input{Data: []byte("hello world\n")}
	_, err = c.Spawn(cmd)
	require.NoError(t, err)
	r = d.result(t)
	assert.Equal(t, 0, r.Status.Code)
	assert.Contains(t, string(r.Stdout), "hello\r\ndone\r\n")
	assert.NoError(t, r.StdinErr, "all of it went into the terminal")

	d = newRecorder()
	cmd, term = onTerminal(`head -c 5; echo; echo done`, d)
	big := bytes.Repeat([]byte("0123456789abcde\n"), 64<<10) // 1 MiB: the terminal takes a few KiB
	term.Input = &childproc.Input{Data: big}
	_, err = c.Spawn(cmd)
	require.NoError(t, err)
	r = d.result(t)
	assert.Equal(t, 0, r.Status.Code)
	// The echo of the input interleaves with head's output, before and
	// after it: the loop goes on typing until the terminal is full or
	// gone.
	assert.Contains(t, string(r.Stdout), "done\r\n")
	assert.ErrorIs(t, r.StdinErr, childproc.ErrStdinClosed)
}

// With a queue, the application types as it goes; the child's exit closes
// the input, after which WriteStdin says so.
func TestTerminalQueue(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	d := newRecorder()
	var out syncBuffer
	cmd, term := onTerminal(`read a; read b; echo "got $a $b"`, d)
	term.Output, term.Input = &out, &childproc.Input{Queue: 1 << 10}
	ch, err := c.Spawn(cmd)
	require.NoError(t, err)
	_, err = ch.WriteStdin([]byte("one\n"))
	require.NoError(t, err)
	out.waitFor(t, "one\r\n") // the echo
	_, err = ch.WriteStdin([]byte("two\n"))
	require.NoError(t, err)
	r := d.result(t)
	assert.Equal(t, 0, r.Status.Code)
	assert.Contains(t, out.String(), "got one two\r\n")
	_, err = ch.WriteStdin([]byte("late\n"))
	assert.ErrorIs(t, err, childproc.ErrStdinClosed)
}

// Only some fds on the terminal: the others are as usual, and the
// terminal's output goes to Terminal.Output (Result reports it for fd 2
// here).
func TestTerminalSomeFDs(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	d := newRecorder()
	term := &childproc.Terminal{Rows: 24, Cols: 80, Output: &childproc.Output{}}
	cmd := shellIO(`[ -t 0 ] || echo 0-not; [ -t 1 ] || echo 1-not; [ -t 2 ] && echo 2-tty >&2; tty <&2`, d)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader("x"), &childproc.Output{}, term
	_, err := c.Spawn(cmd)
	require.NoError(t, err)
	r := d.result(t)
	assert.Equal(t, 0, r.Status.Code)
	assert.Regexp(t, `^0-not\n1-not\n/dev/pts/[0-9]+\n$`, string(r.Stdout))
	assert.Equal(t, "2-tty\r\n", string(r.Stderr))
	assert.Equal(t, r.Stderr, term.Output.(*childproc.Output).Bytes())
}

// Bad input is refused before anything starts, leaving no fd open.
func TestTerminalBadInput(t *testing.T) {
	l := childproc.StartLoop(t)
	var spawned int
	c, err := childproc.New(l, childproc.Config{Spawn: func(argv0 string, argv []string, attr *syscall.ProcAttr) (int, error) {
		spawned++
		return childproc.ForkExec(argv0, argv, attr)
	}})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	before := openFDs(t)
	other := &childproc.Terminal{Rows: 24, Cols: 80}
	for _, tc := range []struct {
		name string
		edit func(cmd *childproc.Cmd, t *childproc.Terminal)
	}{
		{"zero size", func(_ *childproc.Cmd, t *childproc.Terminal) { t.Rows = 0 }},
		{"negative size", func(_ *childproc.Cmd, t *childproc.Terminal) { t.Cols = -80 }},
		{"absurd size", func(_ *childproc.Cmd, t *childproc.Terminal) { t.Rows = 1 << 20 }},
		{"two terminals", func(cmd *childproc.Cmd, _ *childproc.Terminal) { cmd.Stderr = other }},
		{"two inputs", func(cmd *childproc.Cmd, t *childproc.Terminal) {
			cmd.Stdin, t.Input = &childproc.Input{Data: []byte("a")}, &childproc.Input{Data: []byte("b")}
		}},
		{"bad input queue", func(_ *childproc.Cmd, t *childproc.Terminal) { t.Input = &childproc.Input{Queue: -1} }},
		{"Setctty", func(cmd *childproc.Cmd, _ *childproc.Terminal) {
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
		}},
		{"Setpgid", func(cmd *childproc.Cmd, _ *childproc.Terminal) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }},
		{"Noctty", func(cmd *childproc.Cmd, _ *childproc.Terminal) { cmd.SysProcAttr = &syscall.SysProcAttr{Noctty: true} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd, term := onTerminal("exit 0", newRecorder())
			tc.edit(cmd, term)
			_, err := c.Spawn(cmd)
			assert.ErrorIs(t, err, os.ErrInvalid)
			t.Log(err)
		})
	}
	assert.Zero(t, spawned, "spawns")
	assertFDsBack(t, before, "fds after refusals")
}

// A child that closes its terminal fds and later writes to /dev/tty (its
// controlling terminal) is not cut off: the parent holds the slave until
// the exit, so the master reports no end-of-file while the child lives.
func TestTerminalChildClosesItsFDs(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	d := newRecorder()
	cmd, _ := onTerminal(`echo early; exec 0<&- 1>&- 2>&-; sleep 0.2; echo late >/dev/tty`, d)
	_, err := c.Spawn(cmd)
	require.NoError(t, err)
	r := d.result(t)
	assert.Equal(t, 0, r.Status.Code)
	assert.Equal(t, "early\r\nlate\r\n", string(r.Stdout))
}

// Close with one terminal child running and another's descendant holding
// its terminal past the exit: every terminal fd is closed when Close
// returns, and no OnDone runs.
func TestTerminalClose(t *testing.T) {
	l := childproc.StartLoop(t)
	before := openFDs(t)
	// TreeNone: a tree kill at the exit would end the background sleep
	// (and the terminal's last holder with it) if it ran before setsid.
	c, err := childproc.New(l, childproc.Config{})
	require.NoError(t, err)
	exited := make(chan struct{})
	var out syncBuffer
	spawn := func(script string, onExit func(*childproc.Child, childproc.Status)) *childproc.Child {
		term := &childproc.Terminal{Rows: 24, Cols: 80, Output: &out, Input: &childproc.Input{Queue: 10}}
		ch, err := c.Spawn(&childproc.Cmd{Path: "/bin/sh", Args: []string{"sh", "-c", script},
			Stdin: term, Stdout: term, Stderr: term, DrainTimeout: -1, OnExit: onExit,
			OnDone: func(*childproc.Child, *childproc.Result) { t.Error("OnDone: the terminal was held open until Close") }})
		require.NoError(t, err)
		return ch
	}
	spawn(`trap '' HUP; sleep 30 & echo "bg $!"`, func(*childproc.Child, childproc.Status) { close(exited) })
	out.waitFor(t, "\r\n")
	if m := regexp.MustCompile(`bg ([0-9]+)`).FindStringSubmatch(out.String()); assert.NotNil(t, m, "output %q", out.String()) {
		pid, _ := strconv.Atoi(m[1])
		t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	}
	running := spawn(`sleep 30`, func(*childproc.Child, childproc.Status) {})
	select {
	case <-exited:
	case <-time.After(hangGuard):
		require.FailNow(t, "no exit")
	}
	assert.NoError(t, running.SetPaused(1, false), "fd 1 is on the terminal")
	assert.ErrorIs(t, running.SetPaused(2, false), os.ErrInvalid, "fd 2 shares fd 1's terminal stream")
	require.NoError(t, c.Close())
	assert.Equal(t, before, openFDs(t), "fds after Close")
}
