package exec

// The package's own loop.
//
// Cmds made by Command and CommandContext share one loop.Loop and one
// childproc.Parent (a second one, with Config.Tree, for KillTree), created
// on the first Start. One goroutine runs the loop (Run, parked in
// epoll_wait: one thread whatever the number of children) while the
// package has children, and only then: each Start counts a child in
// (acquire) and the child's exit counts it out (release, on the loop
// goroutine). When the count drops to zero, release asks the loop to stop;
// the run goroutine, once Run has returned, looks at the count again under
// the mutex: a Start that came in meanwhile keeps it running, otherwise it
// closes the parents and the loop and exits. So the package keeps no
// goroutine, thread or fd while it has no child, and the next Start builds
// everything afresh.
//
// A Start's StartWatched runs after acquire, outside the mutex: the count
// is already positive, so the run goroutine cannot close a parent under
// it.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/loop"
)

// A Runner starts commands in a childproc.Parent. Command and
// CommandContext use a Runner of the package's own; NewRunner makes one for
// a parent whose loop the caller runs. An extension.
type Runner struct {
	user   *childproc.Parent // the caller's parent; nil for the package's Runner (immutable)
	shared *sharedLoop       // the package's loop; nil for a caller's Runner (immutable)
	// alone is set once the parent said it cannot watch (no pidfds):
	// commands then run as os/exec's alone.
	alone atomic.Bool
}

// NewRunner returns a Runner that starts its commands in p, whose loop the
// caller runs; p's Config.Tree applies to every command. Cmd.Wait parks
// until the loop has delivered the child's exit, so it must not be called
// on the goroutine that runs that loop (it would wait forever); call it
// from any other goroutine. Close p only once every Wait has returned: a
// parent closed under a running child forgets it, and that child's Wait
// would never return. NewRunner panics if p is nil.
func NewRunner(p *childproc.Parent) *Runner {
	if p == nil {
		panic("exec: NewRunner with a nil Parent")
	}
	return &Runner{user: p}
}

// Command is the package function Command for commands started in r.
func (r *Runner) Command(name string, arg ...string) *Cmd {
	c := Command(name, arg...)
	c.runner = r
	return c
}

// CommandContext is the package function CommandContext for commands
// started in r.
func (r *Runner) CommandContext(ctx context.Context, name string, arg ...string) *Cmd {
	c := CommandContext(ctx, name, arg...)
	c.runner = r
	return c
}

func (r *Runner) canWatch() bool { return !r.alone.Load() }
func (r *Runner) cannotWatch()   { r.alone.Store(true) }

// errNoTree is Start's error for KillTree in a parent without a tree.
var errNoTree = fmt.Errorf("exec: KillTree: the Runner's parent has Config.Tree none: %w", errors.ErrUnsupported)

// acquire returns the parent to start in, counting a child in.
func (r *Runner) acquire(tree bool) (*childproc.Parent, error) {
	if r.user != nil {
		if tree && r.user.Tree() == childproc.TreeNone {
			return nil, errNoTree
		}
		return r.user, nil
	}
	return r.shared.acquire(tree)
}

// release counts out a child counted in by acquire.
func (r *Runner) release() {
	if r.shared != nil {
		r.shared.release()
	}
}

var defaultRunner = &Runner{shared: &sharedLoop{}}

// sharedLoop is the package's loop and parents, alive while it has
// children.
type sharedLoop struct {
	mu      sync.Mutex
	l       *loop.Loop        // nil while idle; guarded by mu
	parent  *childproc.Parent // nil while idle; guarded by mu
	tree    *childproc.Parent // Config.Tree auto, for KillTree; nil until needed; guarded by mu
	active  int               // children counted in and not yet out; guarded by mu
	running bool              // a run goroutine exists; guarded by mu
}

func (s *sharedLoop) acquire(tree bool) (*childproc.Parent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.l == nil {
		l, err := loop.New()
		if err != nil {
			return nil, err
		}
		p, err := childproc.New(l, childproc.Config{})
		if err != nil {
			_ = l.Close()
			return nil, err
		}
		s.l, s.parent = l, p
	}
	p := s.parent
	if tree {
		if s.tree == nil {
			t, err := childproc.New(s.l, childproc.Config{Tree: childproc.TreeAuto})
			if err != nil {
				return nil, err
			}
			s.tree = t
		}
		p = s.tree
	}
	s.active++
	if !s.running {
		s.running = true
		go s.run(s.l)
	}
	return p, nil
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
		// Close under the mutex, so that a Start meanwhile waits and
		// builds new ones rather than racing these Closes.
		_ = s.parent.Close()
		if s.tree != nil {
			_ = s.tree.Close()
		}
		_ = l.Close()
		s.l, s.parent, s.tree, s.running = nil, nil, nil, false
		s.mu.Unlock()
		return
	}
}

// idle reports whether the package's loop is closed and its goroutine gone
// (for tests).
func (s *sharedLoop) idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.running && s.parent == nil
}
