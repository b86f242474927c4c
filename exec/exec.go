package exec

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/childloop/childloop/childproc"
)

// Errors and lookup shared with os/exec: the same values, so errors.Is
// against either package's names holds.
var (
	// ErrNotFound is os/exec's: the executable was not found in PATH.
	ErrNotFound = exec.ErrNotFound
	// ErrDot is os/exec's: the executable was found relative to the
	// current directory through PATH.
	ErrDot = exec.ErrDot
	// ErrWaitDelay is os/exec's: Wait had to close the library's ends of
	// the child's pipes WaitDelay after the child's exit (or its
	// cancellation) because something still held them.
	ErrWaitDelay = exec.ErrWaitDelay
)

// Error is os/exec's Error: the name of a program that could not be found
// and why.
type Error = exec.Error

// LookPath is os/exec's LookPath.
func LookPath(file string) (string, error) { return exec.LookPath(file) }

// Cmd is an external command being prepared or run, like os/exec's Cmd.
// Fields must not change after Start.
type Cmd struct {
	// Path is the command to run; Command sets it to the result of
	// LookPath. A relative Path is relative to Dir.
	Path string
	// Args holds the arguments, including the command as Args[0]; empty
	// means {Path}.
	Args []string
	// Env is the environment; nil means the current process's.
	Env []string
	// Dir is the working directory; empty means the current one.
	Dir string

	// Stdin is the child's standard input: nil is /dev/null; an *os.File
	// is given to the child itself; a *bytes.Reader, *bytes.Buffer or
	// *strings.Reader is read at Start and written by the loop; any other
	// reader is copied into a pipe by a goroutine, as os/exec does.
	Stdin io.Reader
	// Stdout and Stderr are the child's standard output and error: nil
	// is /dev/null; an *os.File is given to the child itself; any other
	// writer receives the output from the loop goroutine, so its Write
	// must not block (a bytes.Buffer, a file, a bufio.Writer are fine; an
	// io.Pipe's writer is not: use StdoutPipe). The same writer in both
	// gets both streams (see the package documentation for their order).
	Stdout, Stderr io.Writer

	// ExtraFiles become fds 3, 4, ... in the child.
	ExtraFiles []*os.File
	// SysProcAttr is passed to the spawn function (see childproc.Cmd).
	SysProcAttr *syscall.SysProcAttr

	// WaitDelay bounds how long Wait waits, after the child's exit, for
	// EOF on the pipes the package made (and for the goroutine copying a
	// generic Stdin): then it closes them and returns ErrWaitDelay if
	// nothing else went wrong. Zero waits for EOF however long it takes,
	// except after a cancellation or a Timeout, when childproc's
	// DefaultDrainTimeout bounds it.
	WaitDelay time.Duration

	// Err is a LookPath error from Command, returned by Start.
	Err error

	// Timeout, when positive, stops the child that long after Start, as
	// childproc.Cmd.Timeout does: SIGTERM, then SIGKILL Grace later
	// (childproc.DefaultGrace when Grace is zero). An extension of
	// os/exec.
	Timeout time.Duration
	// Grace is how long a child stopped by Timeout or by the context
	// has between SIGTERM and SIGKILL (ignored without either). With
	// Timeout and Grace both zero a cancelled context sends SIGKILL at
	// once, as os/exec does.
	Grace time.Duration

	// Status is how the child ended: exit code or signal, resource use
	// (Status.Usage), and why the library stopped it (Status.Cause). It
	// stands in for os/exec's ProcessState. The loop writes it before
	// Wait returns; read it only after.
	Status childproc.Status

	ctx    context.Context // from CommandContext; immutable
	runner *Runner         // immutable after Command

	// Set by Start, on the starting goroutine, before the child exists.
	started bool
	child   *childproc.Child
	x       *cmdIO // pipes and copiers, allocated only for a Cmd that has any

	// exited is set on the loop goroutine once the child's end (and its
	// pipes' EOF) is known and Status is written; then end is released.
	// A WaitGroup rather than a channel: it parks Wait the same way and
	// costs no allocation, which matters with tens of thousands of Cmds.
	exited atomic.Bool
	end    sync.WaitGroup

	waitCalled atomic.Bool
}

// cmdIO is what a Cmd with pipes, a stdin copier or files to close needs
// beyond the plain case; most Cmds in a program with many children have
// none, so it lives apart.
type cmdIO struct {
	closeAfterStart []io.Closer
	closeAfterWait  []io.Closer
	stdinDone       chan error // the stdin copier's result; nil without one
	stdinPipe       *os.File   // the copier's write end

	// Written on the loop goroutine before end is released; read after.
	cut      bool
	stdinErr error
	writeErr error // the first error of Stdout's or Stderr's Write
}

// extra returns c's cmdIO, allocating it on first use (never on the loop
// goroutine: Start and the pipe methods allocate it before the child
// exists).
func (c *Cmd) extra() *cmdIO {
	if c.x == nil {
		c.x = &cmdIO{}
	}
	return c.x
}

// closeAll closes what Start would have handed over and what Wait would
// have closed, for a Start that fails.
func (c *Cmd) closeAll() {
	if x := c.x; x != nil {
		closeDescriptors(x.closeAfterStart)
		closeDescriptors(x.closeAfterWait)
		x.closeAfterStart, x.closeAfterWait = nil, nil
		if x.stdinPipe != nil {
			_ = x.stdinPipe.Close() // the copier's end: no copier will run
			x.stdinPipe = nil
		}
	}
}

// Command returns a Cmd to run name with arg, as os/exec's Command does:
// a name without a path separator is looked up with LookPath, and a failure
// is kept in Err for Start to return.
func Command(name string, arg ...string) *Cmd {
	c := command(name, arg...)
	c.runner = defaultRunner
	return c
}

// CommandContext is Command with a context: once ctx is done the child is
// killed (SIGKILL, os/exec's default Cancel; see Cmd.Grace). It panics if
// ctx is nil.
func CommandContext(ctx context.Context, name string, arg ...string) *Cmd {
	return defaultRunner.CommandContext(ctx, name, arg...)
}

func command(name string, arg ...string) *Cmd {
	c := &Cmd{Path: name, Args: append([]string{name}, arg...)}
	if filepath.Base(name) == name {
		lp, err := exec.LookPath(name)
		if lp != "" {
			c.Path = lp
		}
		if err != nil {
			c.Err = err
		}
	}
	return c
}

// String describes c: the resolved path and the arguments, as os/exec's
// String.
func (c *Cmd) String() string {
	if c.Err != nil {
		return strings.Join(c.Args, " ")
	}
	var b strings.Builder
	b.WriteString(c.Path)
	for _, a := range c.Args[1:] {
		b.WriteByte(' ')
		b.WriteString(a)
	}
	return b.String()
}

// Pid returns the child's process id after a successful Start, and 0
// before. There is no *os.Process: one would need a pidfd of its own, and
// its Wait would race the loop's reaping of the same child.
func (c *Cmd) Pid() int {
	if c.child == nil {
		return 0
	}
	return c.child.Pid()
}

// Signal sends sig to the child. Once the child has been reaped it returns
// os.ErrProcessDone rather than signal a pid that may have been reused (a
// bare syscall.Kill(c.Pid(), sig) could); before Start it returns an error
// like os/exec's Process-less Cmd would give.
func (c *Cmd) Signal(sig syscall.Signal) error {
	if c.child == nil {
		return errors.New("exec: not started")
	}
	if c.exited.Load() {
		// Exited and reaped: Wait may return, and os/exec's Process
		// says done from then on.
		return os.ErrProcessDone
	}
	return c.child.Signal(sig)
}

// Kill sends SIGKILL to the child; see Signal.
func (c *Cmd) Kill() error { return c.Signal(syscall.SIGKILL) }

// ExitCode returns the child's exit code once Wait has returned, or -1 if
// the child has not been waited for, was killed by a signal, or its status
// was lost; as os.ProcessState.ExitCode.
func (c *Cmd) ExitCode() int {
	// exited is stored after the loop wrote Status: reading it first
	// makes this safe from any goroutine, also while Wait is parked.
	if !c.waitCalled.Load() || !c.exited.Load() || c.Status.Err != nil || c.Status.Signal != 0 || c.child == nil {
		return -1
	}
	return c.Status.Code
}

// Run starts c and waits for it.
func (c *Cmd) Run() error {
	if err := c.Start(); err != nil {
		return err
	}
	return c.Wait()
}

func closeDescriptors(cs []io.Closer) {
	for _, f := range cs {
		_ = f.Close()
	}
}

// Start starts c and returns once the child has exec'd; an exec failure
// is returned here. It does not wait for the child.
func (c *Cmd) Start() error {
	if c.Path == "" && c.Err == nil {
		c.Err = errors.New("exec: no command")
	}
	if c.Err != nil {
		c.closeAll()
		return c.Err
	}
	if c.started {
		return errors.New("exec: already started")
	}
	if c.ctx != nil {
		if err := c.ctx.Err(); err != nil {
			c.closeAll()
			return err
		}
	}
	pc, err := c.prepare()
	if err != nil {
		c.closeAll()
		return err
	}
	// One method value per callback: the Cmd carries the rest, so a
	// plain child costs no closure of its own beyond these.
	if pc.StdinData != nil || pc.StdoutPipe != nil || pc.StderrPipe != nil {
		c.extra()
		pc.OnExit = c.onExitPiped
		pc.OnDone = c.onDone
	} else {
		pc.OnExit = c.onExit
	}
	ctx, err := c.runner.acquire()
	if err != nil {
		c.closeAll()
		return err
	}
	// The loop may deliver the end before Spawn returns here.
	c.end.Add(1)
	ch, err := ctx.Spawn(pc)
	if c.x != nil {
		closeDescriptors(c.x.closeAfterStart)
		c.x.closeAfterStart = nil
	}
	if err != nil {
		c.end.Done()
		c.runner.release()
		c.closeAll()
		return spawnError(c.Path, err)
	}
	c.started, c.child = true, ch
	if c.x != nil && c.x.stdinPipe != nil {
		c.startStdinCopy()
	}
	return nil
}

// onExit is OnExit for a child without library pipes: its end is known.
func (c *Cmd) onExit(_ *childproc.Child, st childproc.Status) {
	c.Status = st
	c.finish()
}

// onExitPiped is OnExit when OnDone follows (pipes still draining).
func (c *Cmd) onExitPiped(_ *childproc.Child, st childproc.Status) { c.Status = st }

// onDone is OnDone: the pipes are drained (or cut).
func (c *Cmd) onDone(_ *childproc.Child, res *childproc.Result) {
	c.x.cut, c.x.stdinErr = res.Cut, res.StdinErr
	c.finish()
}

// finish releases Wait, on the loop goroutine, after the last write of
// the child's results.
func (c *Cmd) finish() {
	c.exited.Store(true)
	c.end.Done()
	c.runner.release()
}

// spawnError gives a failed exec os/exec's shape: an *fs.PathError with Op
// "fork/exec" around the errno, so that its string and errors.Is classes
// match.
func spawnError(path string, err error) error {
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrClosed) {
		return err
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return &fs.PathError{Op: "fork/exec", Path: path, Err: errno}
	}
	return err
}

// prepare translates c into a childproc.Cmd, making the pipes it needs.
func (c *Cmd) prepare() (*childproc.Cmd, error) {
	args := c.Args
	if len(args) == 0 {
		args = []string{c.Path}
	}
	pc := &childproc.Cmd{
		Path:        c.Path,
		Args:        args,
		Env:         c.Env,
		Dir:         c.Dir,
		ExtraFiles:  c.ExtraFiles,
		SysProcAttr: c.SysProcAttr,
		Timeout:     c.Timeout,
		Grace:       c.Grace,
		Context:     c.ctx,
	}
	if c.Timeout == 0 && c.Grace == 0 && c.ctx != nil {
		// os/exec's Cancel: SIGKILL at once. Only with a context, so
		// a child with nothing to bound carries no lifetime record.
		pc.StopSignal = syscall.SIGKILL
	}
	if c.Grace != 0 && c.Timeout == 0 && c.ctx == nil {
		pc.Grace = 0 // nothing to stop; childproc would refuse it
	}
	if c.WaitDelay > 0 {
		pc.DrainTimeout = c.WaitDelay
	} else {
		pc.DrainTimeout = -1
	}

	switch r := c.Stdin.(type) {
	case nil:
	case *os.File:
		pc.Stdin = r
	case *bytes.Reader, *bytes.Buffer, *strings.Reader:
		data, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		if len(data) > 0 {
			pc.StdinData = data
		}
	default:
		pr, pw, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		pc.Stdin = pr
		x := c.extra()
		x.closeAfterStart = append(x.closeAfterStart, pr)
		x.stdinPipe = pw
	}

	if f, ok := c.Stdout.(*os.File); ok {
		pc.Stdout = f
	} else if c.Stdout != nil {
		pc.StdoutPipe = &childproc.Output{OnData: c.writeTo(c.Stdout)}
	}
	switch {
	case c.Stderr == nil:
	case interfaceEqual(c.Stderr, c.Stdout):
		if pc.Stdout != nil {
			pc.Stderr = pc.Stdout
		} else {
			// One pipe for both: the child's order, exactly, as
			// os/exec gives it.
			pc.MergeStderr = true
		}
	default:
		if f, ok := c.Stderr.(*os.File); ok {
			pc.Stderr = f
		} else {
			pc.StderrPipe = &childproc.Output{OnData: c.writeTo(c.Stderr)}
		}
	}
	return pc, nil
}

// writeTo returns an OnData callback writing to w on the loop goroutine.
// After w's first error the rest is drained and dropped (the child never
// blocks on us), and Wait reports the error.
func (c *Cmd) writeTo(w io.Writer) func(*childproc.Child, []byte) {
	x := c.extra()
	return func(_ *childproc.Child, p []byte) {
		if x.writeErr != nil {
			return
		}
		n, err := w.Write(p)
		if err == nil && n < len(p) {
			err = io.ErrShortWrite
		}
		x.writeErr = err
	}
}

// interfaceEqual is a == b without panicking on incomparable types.
func interfaceEqual(a, b any) bool {
	defer func() { _ = recover() }()
	return a == b
}

// startStdinCopy copies a generic Stdin into the pipe, in a goroutine: a
// blocked write parks it in the netpoller, not on a thread.
func (c *Cmd) startStdinCopy() {
	x := c.x
	x.stdinDone = make(chan error, 1)
	r, pw := c.Stdin, x.stdinPipe
	go func() {
		_, err := io.Copy(pw, r)
		if errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrClosed) {
			err = nil // the child closed its stdin, or WaitDelay closed ours
		}
		if cerr := pw.Close(); err == nil && cerr != nil && !errors.Is(cerr, os.ErrClosed) {
			err = cerr
		}
		x.stdinDone <- err
	}()
}

// Wait waits for c's child to end and for the package's pipes to reach
// EOF (or WaitDelay), parking the calling goroutine until the loop has
// reaped the child: no thread waits. Status is set when it returns; it
// returns nil on
// success, an *ExitError for a non-zero exit or a signal, the context's
// error for a cancelled child that still exited 0, and otherwise the first
// error of the I/O (ErrWaitDelay, a Write error, a Stdin read error).
func (c *Cmd) Wait() error {
	if !c.started {
		return errors.New("exec: not started")
	}
	if c.waitCalled.Swap(true) {
		return errors.New("exec: Wait was already called")
	}
	c.end.Wait()
	st := c.Status

	var err error
	switch {
	case st.Err != nil:
		err = st.Err
	case st.Signal != 0 || st.Code != 0:
		err = &ExitError{Status: st}
	case st.Cause != nil:
		if c.ctx != nil && c.ctx.Err() != nil {
			err = c.ctx.Err()
		} else {
			err = st.Cause
		}
	}
	if x := c.x; x != nil {
		if ioErr := x.waitStdin(c.WaitDelay); err == nil {
			err = ioErr
		}
		switch {
		case err != nil:
		case x.cut:
			err = ErrWaitDelay
		case x.writeErr != nil:
			err = x.writeErr
		case x.stdinErr != nil && !errors.Is(x.stdinErr, childproc.ErrStdinClosed):
			err = x.stdinErr
		}
		closeDescriptors(x.closeAfterWait)
		x.closeAfterWait = nil
	}
	return err
}

// waitStdin waits for the stdin copier, if there is one, closing its pipe
// after delay (when positive) so that a child that stopped reading cannot
// hold Wait; ErrWaitDelay if that was needed and nothing else failed.
func (x *cmdIO) waitStdin(delay time.Duration) error {
	if x.stdinDone == nil {
		return nil
	}
	if delay <= 0 {
		return <-x.stdinDone
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case err := <-x.stdinDone:
		return err
	case <-t.C:
		_ = x.stdinPipe.Close()
		if err := <-x.stdinDone; err != nil {
			return err
		}
		return ErrWaitDelay
	}
}

// Output runs c and returns its standard output. Unless Stderr is set,
// an *ExitError's Stderr holds the child's standard error (its first and
// last 32 KiB), as os/exec's Output does.
func (c *Cmd) Output() ([]byte, error) {
	if c.Stdout != nil {
		return nil, errors.New("exec: Stdout already set")
	}
	var stdout bytes.Buffer
	c.Stdout = &stdout
	captureErr := c.Stderr == nil
	if captureErr {
		c.Stderr = &prefixSuffixSaver{N: 32 << 10}
	}
	err := c.Run()
	if err != nil && captureErr {
		var ee *ExitError
		if errors.As(err, &ee) {
			ee.Stderr = c.Stderr.(*prefixSuffixSaver).Bytes()
		}
	}
	return nonNil(&stdout, c.started), err
}

// nonNil is b's content; like os/exec's, it is an empty slice rather than
// nil once the child ran.
func nonNil(b *bytes.Buffer, started bool) []byte {
	if started && b.Bytes() == nil {
		return []byte{}
	}
	return b.Bytes()
}

// CombinedOutput runs c and returns its standard output and standard error
// together (see the package documentation for their order).
func (c *Cmd) CombinedOutput() ([]byte, error) {
	if c.Stdout != nil {
		return nil, errors.New("exec: Stdout already set")
	}
	if c.Stderr != nil {
		return nil, errors.New("exec: Stderr already set")
	}
	var b bytes.Buffer
	c.Stdout = &b
	c.Stderr = &b
	err := c.Run()
	return nonNil(&b, c.started), err
}

// StdinPipe returns a pipe connected to the child's standard input, as
// os/exec's: Wait closes it after the child exits; the caller may close it
// earlier to send EOF.
func (c *Cmd) StdinPipe() (io.WriteCloser, error) {
	if c.Stdin != nil {
		return nil, errors.New("exec: Stdin already set")
	}
	if c.started {
		return nil, errors.New("exec: StdinPipe after process started")
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	c.Stdin = pr
	x := c.extra()
	x.closeAfterStart = append(x.closeAfterStart, pr)
	wc := &closeOnce{File: pw}
	x.closeAfterWait = append(x.closeAfterWait, wc)
	return wc, nil
}

// StdoutPipe returns a pipe connected to the child's standard output, as
// os/exec's: Wait closes it after the child exits, so read everything
// before calling Wait.
func (c *Cmd) StdoutPipe() (io.ReadCloser, error) {
	if c.Stdout != nil {
		return nil, errors.New("exec: Stdout already set")
	}
	if c.started {
		return nil, errors.New("exec: StdoutPipe after process started")
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	c.Stdout = pw
	x := c.extra()
	x.closeAfterStart = append(x.closeAfterStart, pw)
	x.closeAfterWait = append(x.closeAfterWait, pr)
	return pr, nil
}

// StderrPipe is StdoutPipe for the child's standard error.
func (c *Cmd) StderrPipe() (io.ReadCloser, error) {
	if c.Stderr != nil {
		return nil, errors.New("exec: Stderr already set")
	}
	if c.started {
		return nil, errors.New("exec: StderrPipe after process started")
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	c.Stderr = pw
	x := c.extra()
	x.closeAfterStart = append(x.closeAfterStart, pw)
	x.closeAfterWait = append(x.closeAfterWait, pr)
	return pr, nil
}

type closeOnce struct {
	*os.File
	once sync.Once
	err  error
}

func (c *closeOnce) Close() error {
	c.once.Do(func() { c.err = c.File.Close() })
	return c.err
}

// ExitError is Wait's error for a child that exited with a non-zero code or
// was killed by a signal. os/exec's embeds an *os.ProcessState, which only
// package os can build; this one carries the childproc.Status, and its
// Error and ExitCode give what os/exec's do.
type ExitError struct {
	// Status is how the child ended.
	Status childproc.Status
	// Stderr holds the child's standard error when Output captured it.
	Stderr []byte
}

// Error returns os/exec's text: "exit status 3", "signal: killed",
// "signal: segmentation fault (core dumped)".
func (e *ExitError) Error() string { return e.String() }

// String is Error, as os.ProcessState.String.
func (e *ExitError) String() string {
	var s string
	if e.Status.Signal != 0 {
		s = "signal: " + e.Status.Signal.String()
	} else {
		s = "exit status " + strconv.Itoa(e.Status.Code)
	}
	if e.Status.CoreDumped {
		s += " (core dumped)"
	}
	return s
}

// ExitCode returns the exit code, or -1 for a child killed by a signal.
func (e *ExitError) ExitCode() int {
	if e.Status.Signal != 0 {
		return -1
	}
	return e.Status.Code
}

// Exited reports whether the child exited rather than being killed by a
// signal.
func (e *ExitError) Exited() bool { return e.Status.Signal == 0 }

// Success reports whether the child exited with code 0 (never true of an
// ExitError Wait returned).
func (e *ExitError) Success() bool { return e.Status.Success() }

// UserTime is the child's user CPU time.
func (e *ExitError) UserTime() time.Duration { return e.Status.Usage.User }

// SystemTime is the child's system CPU time.
func (e *ExitError) SystemTime() time.Duration { return e.Status.Usage.System }
