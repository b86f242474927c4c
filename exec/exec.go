package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/childloop/childloop/childproc"
)

// os/exec's own errors and types, so that errors.Is, errors.As and type
// switches written for os/exec hold for this package's errors too.
var (
	// ErrNotFound is os/exec's: the executable was not found in PATH.
	ErrNotFound = exec.ErrNotFound
	// ErrDot is os/exec's: the executable was found through a relative
	// PATH entry.
	ErrDot = exec.ErrDot
	// ErrWaitDelay is os/exec's: Wait closed the pipes WaitDelay after the
	// child's exit or cancellation because something still held them.
	ErrWaitDelay = exec.ErrWaitDelay
)

// Error is os/exec's Error: a program that could not be found, and why.
type Error = exec.Error

// ExitError is os/exec's ExitError: Wait's error for a child that exited
// with a non-zero code or was killed by a signal.
type ExitError = exec.ExitError

// LookPath is os/exec's LookPath.
func LookPath(file string) (string, error) { return exec.LookPath(file) }

// Cmd is os/exec's Cmd with the same fields and methods. Start hands the
// child to the package's loop, and Wait parks the calling goroutine until
// the loop has seen the child exit; only then does it call os/exec's Wait,
// which reaps at once. Timeout, Grace and KillTree are extensions; left
// zero they change nothing.
type Cmd struct {
	// Path, Args, Env, Dir, Stdin, Stdout, Stderr, ExtraFiles,
	// SysProcAttr, Err, Cancel and WaitDelay mean what they mean in
	// os/exec: Start passes them to an os/exec Cmd unchanged.
	Path        string
	Args        []string
	Env         []string
	Dir         string
	Stdin       io.Reader
	Stdout      io.Writer
	Stderr      io.Writer
	ExtraFiles  []*os.File
	SysProcAttr *syscall.SysProcAttr

	// Process is the started process (set by Start) and ProcessState the
	// exited one (set by Wait), os/exec's own values. Do not call
	// Process.Wait or Process.Release: Wait does, once the loop has seen
	// the exit (see the package documentation).
	Process      *os.Process
	ProcessState *os.ProcessState

	Err       error
	Cancel    func() error
	WaitDelay time.Duration

	// Timeout, when positive, stops the child that long after Start: its
	// stop signal (SIGTERM), then SIGKILL Grace later, both from a timer
	// in the loop. Wait then returns the *ExitError of the signal, and
	// Cause says it was the timeout. An extension.
	Timeout time.Duration
	// Grace is how long a child stopped by Timeout, or by the default
	// Cancel of CommandContext, has between SIGTERM and SIGKILL
	// (childproc.DefaultGrace when zero with Timeout set). With Grace
	// zero, the default Cancel sends SIGKILL at once, as os/exec's does.
	// An extension.
	Grace time.Duration
	// KillTree makes the child's descendants end with it: the child is
	// born into a cgroup of its own (a process group where no cgroup can
	// be made); the default Cancel and Timeout signal the whole tree, and
	// whatever is left when the child exits is killed. A Runner's parent
	// must have a Config.Tree for it. An extension.
	KillTree bool

	ctx    context.Context // from CommandContext; immutable
	runner *Runner         // the package's when nil at Start; immutable after Start

	started atomic.Bool // Start was called, whatever its outcome
	os      *exec.Cmd   // the os/exec Cmd that does the work; made before Start

	// child is the loop's record, set by Start once watched (nil when the
	// parent could not watch: Wait then is os/exec's alone). startDone
	// orders its write before the default Cancel's read on os/exec's
	// context goroutine.
	child     *childproc.Child
	startDone sync.WaitGroup

	// exit is written on the loop goroutine before end is released.
	exit childproc.Status
	end  sync.WaitGroup
}

// Command returns a Cmd to run name with arg, as os/exec's Command does.
func Command(name string, arg ...string) *Cmd {
	return fromOS(exec.Command(name, arg...), nil)
}

// CommandContext is os/exec's CommandContext: once ctx is done the
// default Cancel kills the child (see Grace and KillTree for a gentler or
// wider stop). It panics if ctx is nil.
func CommandContext(ctx context.Context, name string, arg ...string) *Cmd {
	return fromOS(exec.CommandContext(ctx, name, arg...), ctx)
}

// fromOS makes a Cmd of an os/exec Cmd that Command made.
func fromOS(o *exec.Cmd, ctx context.Context) *Cmd {
	c := &Cmd{Path: o.Path, Args: o.Args, Err: o.Err, ctx: ctx, os: o}
	if ctx != nil {
		c.Cancel = c.defaultCancel
	}
	return c
}

// defaultCancel is CommandContext's Cancel: os/exec's Process.Kill, or a
// stop through the loop when Grace or KillTree ask for one.
func (c *Cmd) defaultCancel() error {
	c.startDone.Wait()
	if c.child != nil && (c.Grace > 0 || c.KillTree) {
		return c.child.Stop(c.Grace)
	}
	return c.os.Process.Kill()
}

// osCmd returns the os/exec Cmd behind c with c's fields copied in.
func (c *Cmd) osCmd() *exec.Cmd {
	if c.os == nil {
		// A Cmd literal: os/exec's Command("") resolves nothing, and
		// installs what a GODEBUG=execwait setting asks for.
		c.os = exec.Command("")
	}
	o := c.os
	o.Path, o.Args, o.Env, o.Dir = c.Path, c.Args, c.Env, c.Dir
	o.Stdin, o.Stdout, o.Stderr = c.Stdin, c.Stdout, c.Stderr
	o.ExtraFiles, o.SysProcAttr = c.ExtraFiles, c.SysProcAttr
	o.Err, o.Cancel, o.WaitDelay = c.Err, c.Cancel, c.WaitDelay
	return o
}

// String is os/exec's String.
func (c *Cmd) String() string {
	return (&exec.Cmd{Path: c.Path, Args: c.Args, Err: c.Err}).String()
}

// Environ is os/exec's Environ: the environment the child would get.
func (c *Cmd) Environ() []string {
	return (&exec.Cmd{Env: c.Env, Dir: c.Dir, SysProcAttr: c.SysProcAttr}).Environ()
}

// Run starts c and waits for it.
func (c *Cmd) Run() error {
	if err := c.Start(); err != nil {
		return err
	}
	return c.Wait()
}

// Start starts c, as os/exec's Start, and hands the child to the loop.
func (c *Cmd) Start() error {
	if c.started.Swap(true) {
		return errors.New("exec: already started")
	}
	o := c.osCmd()
	if c.Err != nil || c.Path == "" || (c.ctx == nil && c.Cancel != nil) || (c.ctx != nil && c.ctx.Err() != nil) {
		// os/exec fails these before making anything; so does its
		// Start here, before the loop is brought up for nothing.
		return o.Start()
	}
	if c.runner == nil {
		c.runner = defaultRunner
	}
	r := c.runner
	if c.Timeout < 0 || c.Grace < 0 {
		return c.refuse(fmt.Errorf("exec: negative Timeout %v or Grace %v: %w", c.Timeout, c.Grace, os.ErrInvalid))
	}
	c.startDone.Add(1)
	defer c.startDone.Done()
	if !c.extended() && !r.canWatch() {
		return c.startAlone(o)
	}
	ctx, err := r.acquire(c.KillTree)
	if err != nil {
		return c.refuse(err)
	}
	spec := &childproc.WatchSpec{SysProcAttr: c.SysProcAttr, Timeout: c.Timeout, OnExit: c.onExit}
	if c.Timeout > 0 {
		spec.Grace = c.Grace
	}
	called := false
	c.end.Add(1)
	ch, err := ctx.StartWatched(spec, func(sys *syscall.SysProcAttr) (*os.Process, error) {
		called = true
		o.SysProcAttr = sys
		err := o.Start()
		c.Process = o.Process
		return o.Process, err
	})
	if err == nil {
		c.child = ch
		return nil
	}
	c.end.Done()
	r.release()
	switch {
	case !called && errors.Is(err, errors.ErrUnsupported) && !c.extended():
		// No pidfds here: os/exec alone, Wait on a thread as there.
		r.cannotWatch()
		return c.startAlone(o)
	case !called:
		return c.refuse(err)
	case o.Process != nil:
		// Started but not watched (and killed): reap it.
		_ = o.Wait()
		c.Process = nil
	}
	return err
}

// extended reports whether c uses an extension, which needs the loop.
func (c *Cmd) extended() bool {
	return c.Timeout != 0 || c.KillTree || (c.Grace != 0 && c.ctx != nil)
}

// startAlone starts c as os/exec would, unwatched.
func (c *Cmd) startAlone(o *exec.Cmd) error {
	err := o.Start()
	c.Process = o.Process
	return err
}

// refuse fails a Start before any child exists, closing what os/exec's
// failed Start would close (the pipes StdinPipe and friends made).
func (c *Cmd) refuse(err error) error {
	o := c.os
	saved := o.Path
	o.Path, o.Err = "", err
	_ = o.Start() // returns err, closing the pipes; starts nothing
	o.Path = saved
	return err
}

// onExit runs on the loop goroutine once the child has exited: a zombie
// for os/exec's Wait to reap.
func (c *Cmd) onExit(_ *childproc.Child, st childproc.Status) {
	c.exit = st
	c.end.Done()
	c.runner.release()
}

// Wait waits for c's child to exit and for its I/O copying to finish, as
// os/exec's Wait, which it calls; but until the child has exited the
// calling goroutine is parked on the loop's word, holding no thread.
func (c *Cmd) Wait() error {
	if c.Process == nil {
		return errors.New("exec: not started")
	}
	if c.ProcessState != nil {
		return errors.New("exec: Wait was already called")
	}
	if c.child != nil {
		c.end.Wait()
	}
	err := c.os.Wait()
	c.ProcessState = c.os.ProcessState
	return err
}

// Cause reports why the loop stopped the child, once Wait has returned:
// an error wrapping context.DeadlineExceeded for Timeout, one wrapping
// childproc.ErrStopped for a stop by the default Cancel with Grace or
// KillTree, nil when the child ended on its own or was killed otherwise.
// An extension.
func (c *Cmd) Cause() error {
	if c.ProcessState == nil || c.child == nil {
		return nil
	}
	return c.exit.Cause
}

// TreeUsage reports, once Wait has returned, the CPU time and peak memory
// of the child's whole tree, descendants included, for a KillTree child in
// a cgroup; nil otherwise. The child's own resource use is
// ProcessState.SysUsage. An extension.
func (c *Cmd) TreeUsage() *childproc.TreeUsage {
	if c.ProcessState == nil || c.child == nil {
		return nil
	}
	return c.exit.TreeUsage
}

// Output is os/exec's Output, running c through this package's Run.
func (c *Cmd) Output() ([]byte, error) {
	if c.Stdout != nil {
		return nil, errors.New("exec: Stdout already set")
	}
	var stdout bytes.Buffer
	c.Stdout = &stdout
	var saved *headTail
	if c.Stderr == nil {
		saved = &headTail{n: 32 << 10}
		c.Stderr = saved
	}
	err := c.Run()
	if ee, ok := err.(*ExitError); ok && saved != nil {
		ee.Stderr = saved.Bytes()
	}
	return stdout.Bytes(), err
}

// CombinedOutput is os/exec's CombinedOutput, through this package's Run.
func (c *Cmd) CombinedOutput() ([]byte, error) {
	if c.Stdout != nil {
		return nil, errors.New("exec: Stdout already set")
	}
	if c.Stderr != nil {
		return nil, errors.New("exec: Stderr already set")
	}
	var b bytes.Buffer
	c.Stdout, c.Stderr = &b, &b
	err := c.Run()
	return b.Bytes(), err
}

// StdinPipe is os/exec's StdinPipe.
func (c *Cmd) StdinPipe() (io.WriteCloser, error) {
	w, err := c.osCmd().StdinPipe()
	c.Stdin = c.os.Stdin
	return w, err
}

// StdoutPipe is os/exec's StdoutPipe: read everything from it before Wait,
// which closes it.
func (c *Cmd) StdoutPipe() (io.ReadCloser, error) {
	r, err := c.osCmd().StdoutPipe()
	c.Stdout = c.os.Stdout
	return r, err
}

// StderrPipe is os/exec's StderrPipe.
func (c *Cmd) StderrPipe() (io.ReadCloser, error) {
	r, err := c.osCmd().StderrPipe()
	c.Stderr = c.os.Stderr
	return r, err
}
