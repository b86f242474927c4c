package exec

// The package's own loop.
//
// Cmds made by Command and CommandContext share one loop.Loop and one
// childproc.Context, created on the first Start. One goroutine runs the
// loop (Run, parked in epoll_wait: one thread whatever the number of
// children) while the package has children, and only then: each Start
// counts a child in (acquire) and the child's last callback counts it out
// (release, on the loop goroutine). When the count drops to zero, release
// asks the loop to stop; the run goroutine, once Run has returned, looks at
// the count again under the mutex: a Start that came in meanwhile keeps it
// running, otherwise it closes the context and the loop and exits. So the
// package never keeps a goroutine, a thread or an fd while it has no child,
// and the next Start builds everything afresh.
//
// A Start's Spawn runs after acquire, outside the mutex: the count is
// already positive, so the run goroutine cannot close the context under it.

import (
	"context"
	"sync"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/loop"
)

// A Runner starts commands in one childproc.Context. The package's
// functions Command and CommandContext use a Runner of the package's own;
// NewRunner makes one for a context whose loop the caller runs.
type Runner struct {
	user   *childproc.Context // the caller's context; nil for the package's Runner (immutable)
	shared *sharedLoop        // the package's loop; nil for a caller's Runner (immutable)
}

// NewRunner returns a Runner that starts its commands in ctx, whose loop the
// caller runs. Cmd.Wait blocks until the loop has delivered the child's end,
// so it must not be called on the goroutine that runs that loop (it would
// wait forever); call it from any other goroutine.
func NewRunner(ctx *childproc.Context) *Runner {
	if ctx == nil {
		panic("exec: NewRunner with a nil context")
	}
	return &Runner{user: ctx}
}

// Command is the package function Command for commands started in r.
func (r *Runner) Command(name string, arg ...string) *Cmd {
	c := command(name, arg...)
	c.runner = r
	return c
}

// CommandContext is the package function CommandContext for commands
// started in r.
func (r *Runner) CommandContext(ctx context.Context, name string, arg ...string) *Cmd {
	if ctx == nil {
		panic("nil Context")
	}
	c := r.Command(name, arg...)
	c.ctx = ctx
	return c
}

// acquire returns the context to spawn in, counting a child in.
func (r *Runner) acquire() (*childproc.Context, error) {
	if r.user != nil {
		return r.user, nil
	}
	return r.shared.acquire()
}

// release counts out a child counted in by acquire.
func (r *Runner) release() {
	if r.shared != nil {
		r.shared.release()
	}
}

var defaultRunner = &Runner{shared: &sharedLoop{}}

// sharedLoop is the package's loop and context, alive while it has children.
type sharedLoop struct {
	mu      sync.Mutex
	l       *loop.Loop         // nil while idle; guarded by mu
	ctx     *childproc.Context // nil while idle; guarded by mu
	active  int                // children counted in and not yet out; guarded by mu
	running bool               // a run goroutine exists; guarded by mu
}

func (s *sharedLoop) acquire() (*childproc.Context, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx == nil {
		l, err := loop.New()
		if err != nil {
			return nil, err
		}
		ctx, err := childproc.New(l, childproc.Config{})
		if err != nil {
			_ = l.Close()
			return nil, err
		}
		s.l, s.ctx = l, ctx
	}
	s.active++
	if !s.running {
		s.running = true
		go s.run(s.l)
	}
	return s.ctx, nil
}

func (s *sharedLoop) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active--
	if s.active == 0 {
		s.l.Stop()
	}
}

// run runs the loop until the package has no child, then closes it.
func (s *sharedLoop) run(l *loop.Loop) {
	for {
		// An error from Run (a callback's; the library's targets return
		// none in normal operation) must not strand the children still
		// counted in: run again while there are any.
		_ = l.Run()
		s.mu.Lock()
		if s.active > 0 {
			s.mu.Unlock()
			continue
		}
		ctx := s.ctx
		s.ctx, s.l, s.running = nil, nil, false
		// Close under the mutex, so that a Start meanwhile waits and
		// builds a new context rather than racing this one's Close.
		_ = ctx.Close()
		_ = l.Close()
		s.mu.Unlock()
		return
	}
}

// idle reports whether the package's loop is closed and its goroutine gone
// (for tests).
func (s *sharedLoop) idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.running && s.ctx == nil
}
