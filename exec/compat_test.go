package exec_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	stdexec "os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/exec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// outcome is what one run produced, in terms both packages share.
type outcome struct {
	Out, ErrOut string // summarised: see summary
	Err         string // "" for nil
	Classes     []string
	ExitCode    int
	ExitErr     bool   // errors.As found the package's *ExitError
	ExitErrCode int    // its ExitCode
	ExitStderr  string // its Stderr, summarised
}

// summary describes b shortly (a failing comparison of 100 KiB is
// unreadable), telling nil from empty.
func summary(b []byte) string {
	if b == nil {
		return "nil"
	}
	if len(b) <= 64 {
		return strconv.Quote(string(b))
	}
	return fmt.Sprintf("%d bytes %q...%q sha256 %x", len(b), b[:16], b[len(b)-16:], sha256.Sum256(b))
}

// bufBytes is a test-owned buffer's content: nil or empty alike, since
// whether the package wrote an empty chunk into it is no difference.
func bufBytes(b *bytes.Buffer) string {
	if b.Len() == 0 {
		return summary([]byte{})
	}
	return summary(b.Bytes())
}

func classify(err error) []string {
	var cs []string
	for _, c := range []struct {
		name string
		err  error
	}{
		{"ErrNotFound", stdexec.ErrNotFound},
		{"ErrNotExist", fs.ErrNotExist},
		{"Canceled", context.Canceled},
		{"DeadlineExceeded", context.DeadlineExceeded},
		{"ErrWaitDelay", stdexec.ErrWaitDelay},
		{"EPIPE", syscall.EPIPE},
	} {
		if errors.Is(err, c.err) {
			cs = append(cs, c.name)
		}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		cs = append(cs, "PathError:"+pe.Op)
	}
	var ee *stdexec.Error
	if errors.As(err, &ee) {
		cs = append(cs, "exec.Error:"+ee.Name)
	}
	return cs
}

// spec is one command of the table, built the same way for both packages.
type spec struct {
	name    string
	args    []string
	stdin   func() io.Reader
	ready   bool          // the child writes to fd 3 once running; the test then cancels
	timeout time.Duration // context.WithTimeout
	precanc bool          // a parent cancelled before Start
	ext     time.Duration // our Timeout; os/exec: WithTimeout and Cancel = SIGTERM
	delay   time.Duration // WaitDelay
}

const (
	modeRun = iota
	modeOutput
	modeCombined
	modeStartWait
)

var modeNames = []string{"Run", "Output", "CombinedOutput", "StartWait"}

// setup returns the parent for s and the fd-3 write end (nil unless
// s.ready); a goroutine cancels the parent when the child writes to it.
func setup(t *testing.T, s spec) (context.Context, *os.File) {
	ctx := context.Background()
	if s.timeout > 0 || s.ext > 0 {
		d := s.timeout
		if s.ext > 0 {
			d = s.ext
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		t.Cleanup(cancel)
	}
	if s.precanc {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		cancel()
	}
	if !s.ready {
		return ctx, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	r, w, err := os.Pipe()
	require.NoError(t, err)
	go func() {
		defer r.Close()
		var b [1]byte
		if n, _ := r.Read(b[:]); n > 0 {
			cancel()
		}
	}()
	return ctx, w
}

// cmdOps is what drive needs of either package's Cmd.
type cmdOps struct {
	setStdio         func(stdout, stderr io.Writer)
	run, start, wait func() error
	output, combined func() ([]byte, error)
}

// drive runs a prepared Cmd in mode and records what both packages report
// alike; the caller adds the exit code and the ExitError, whose types
// differ. ready, if not nil, is closed once the child started.
func drive(mode int, ready *os.File, c cmdOps) (outcome, error) {
	var o outcome
	var err error
	var out []byte
	var stdout, stderr bytes.Buffer
	switch mode {
	case modeRun:
		c.setStdio(&stdout, &stderr)
		err = c.run()
	case modeOutput:
		out, err = c.output()
		o.Out = summary(out)
	case modeCombined:
		out, err = c.combined()
		o.Out = summary(out)
	case modeStartWait:
		c.setStdio(&stdout, &stderr)
		if err = c.start(); err == nil {
			if ready != nil {
				ready.Close()
			}
			err = c.wait()
		}
	}
	if mode == modeRun || mode == modeStartWait {
		o.Out, o.ErrOut = bufBytes(&stdout), bufBytes(&stderr)
	}
	if err != nil {
		o.Err = err.Error()
	}
	o.Classes = classify(err)
	return o, err
}

func runStd(t *testing.T, s spec, mode int) outcome {
	ctx, ready := setup(t, s)
	var c *stdexec.Cmd
	if s.timeout > 0 || s.ready || s.precanc || s.ext > 0 {
		c = stdexec.CommandContext(ctx, s.name, s.args...)
	} else {
		c = stdexec.Command(s.name, s.args...)
	}
	if s.ext > 0 {
		c.Cancel = func() error { return c.Process.Signal(syscall.SIGTERM) }
	}
	if ready != nil {
		c.ExtraFiles = []*os.File{ready}
		defer ready.Close()
	}
	if s.stdin != nil {
		c.Stdin = s.stdin()
	}
	c.WaitDelay = s.delay
	o, err := drive(mode, ready, cmdOps{
		setStdio: func(stdout, stderr io.Writer) { c.Stdout, c.Stderr = stdout, stderr },
		run:      c.Run, output: c.Output, combined: c.CombinedOutput, start: c.Start, wait: c.Wait,
	})
	o.ExitCode = -1
	if c.ProcessState != nil {
		o.ExitCode = c.ProcessState.ExitCode()
	}
	var ee *stdexec.ExitError
	if errors.As(err, &ee) {
		o.ExitErr, o.ExitErrCode, o.ExitStderr = true, ee.ExitCode(), summary(ee.Stderr)
	}
	return o
}

func runOurs(t *testing.T, s spec, mode int) (outcome, *exec.Cmd) {
	ctx, ready := setup(t, s)
	var c *exec.Cmd
	if s.timeout > 0 || s.ready || s.precanc {
		c = exec.CommandContext(ctx, s.name, s.args...)
	} else {
		c = exec.Command(s.name, s.args...)
	}
	if s.ext > 0 {
		c.Timeout = s.ext
	}
	if ready != nil {
		c.ExtraFiles = []*os.File{ready}
		defer ready.Close()
	}
	if s.stdin != nil {
		c.Stdin = s.stdin()
	}
	c.WaitDelay = s.delay
	o, err := drive(mode, ready, cmdOps{
		setStdio: func(stdout, stderr io.Writer) { c.Stdout, c.Stderr = stdout, stderr },
		run:      c.Run, output: c.Output, combined: c.CombinedOutput, start: c.Start, wait: c.Wait,
	})
	o.ExitCode = -1
	if c.ProcessState != nil {
		o.ExitCode = c.ProcessState.ExitCode()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		o.ExitErr, o.ExitErrCode, o.ExitStderr = true, ee.ExitCode(), summary(ee.Stderr)
	}
	return o, c
}

// genericReader hides the concrete type, so that Stdin takes the
// goroutine path.
type genericReader struct{ r io.Reader }

func (g genericReader) Read(p []byte) (int, error) { return g.r.Read(p) }

func TestCompatWithOSExec(t *testing.T) {
	long := strings.Repeat("x", 100<<10) // past the pipe buffer and Output's 32 KiB stderr halves
	specs := map[string]spec{
		"success":      {name: "sh", args: []string{"-c", "echo out; echo err >&2"}},
		"missing":      {name: "childloop-no-such-binary"},
		"missing-path": {name: "/nonexistent/childloop-binary"},
		"exit3":        {name: "sh", args: []string{"-c", "echo out; echo err >&2; exit 3"}},
		"killed":       {name: "sh", args: []string{"-c", "echo out; kill -KILL $$"}},
		"cancel":       {name: "sh", args: []string{"-c", "echo out; echo >&3; exec sleep 30"}, ready: true},
		"deadline":     {name: "sleep", args: []string{"30"}, timeout: ms(100)},
		"precancelled": {name: "sleep", args: []string{"30"}, precanc: true},
		"timeout-ext":  {name: "sleep", args: []string{"30"}, ext: ms(100)},
		"stdin-bytes": {name: "sh", args: []string{"-c", "cat; echo err >&2; exit 4"},
			stdin: func() io.Reader { return strings.NewReader("in\n") }},
		"stdin-generic": {name: "cat",
			stdin: func() io.Reader { return genericReader{strings.NewReader(long)} }},
		"stdin-unread": {name: "true",
			stdin: func() io.Reader { return genericReader{strings.NewReader(long)} }},
		"big-stderr": {name: "sh", args: []string{"-c", "head -c 200000 /dev/zero | tr '\\0' e >&2; exit 1"}},
		"waitdelay":  {name: "sh", args: []string{"-c", "echo out; sleep 2 & exit 0"}, delay: ms(100)},
	}
	for name, s := range specs {
		for mode, mname := range modeNames {
			t.Run(name+"/"+mname, func(t *testing.T) {
				t.Parallel()
				want := runStd(t, s, mode)
				got, c := runOurs(t, s, mode)
				t.Logf("os/exec: %+v", want)
				assert.Equal(t, want, got)
				if name == "timeout-ext" {
					assert.ErrorIs(t, c.Cause(), context.DeadlineExceeded)
				} else {
					assert.NoError(t, c.Cause())
				}
			})
		}
	}
}
