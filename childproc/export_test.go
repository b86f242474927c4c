package childproc

import (
	"github.com/childloop/childloop/internal/sigchld"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/knob"
	"github.com/childloop/childloop/loop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// StartLoop runs a reference loop on its own goroutine until the test or
// benchmark ends (for this package's tests and childproc_test's).
func StartLoop(tb testing.TB) *loop.Loop {
	tb.Helper()
	l, err := loop.New()
	require.NoError(tb, err)
	done := make(chan error, 1)
	go func() { done <- l.Run() }()
	tb.Cleanup(func() {
		l.Stop()
		assert.NoError(tb, <-done, "loop.Run")
		l.Close()
	})
	return l
}

// SelfPipeWriteFD exposes the parent's SIGCHLD self-pipe write end (-1 when
// the parent is not a SIGCHLD user) so tests can fill it.
func (c *Parent) SelfPipeWriteFD() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pipe == nil {
		return -1
	}
	return c.pipe.W
}

// PipeUsers reports how many self-pipes are registered process-wide.
func PipeUsers() int { return sigchld.Users() }

// StrategyInUse names the reaper the parent actually runs.
func (c *Parent) StrategyInUse() string {
	switch c.reaper.(type) {
	case *scanReaper:
		return "scan"
	case *anyReaper:
		return "any"
	default:
		return "pidfd"
	}
}

// WarmUp opens the process-wide lazily created fds (/dev/null for stdio) so
// that fd-count baselines taken afterwards are stable.
func WarmUp() { _, _ = devNull() }

func ConfigOf(m Mode, foreign func(int, Status), spawn func(string, []string, *syscall.ProcAttr) (int, error)) Config {
	return Config{
		Mode:          m,
		OnForeignExit: foreign,
		Spawn:         spawn,
	}
}

// NewWithStrategy is New with a reap strategy other than the process-wide
// knob's.
func NewWithStrategy(ev hooks.OSEvents, cfg Config, s knob.Strategy) (*Parent, error) {
	return newContext(ev, cfg, s)
}

// StatusFromWait converts a wait status, as the reapers do.
func StatusFromWait(ws syscall.WaitStatus) Status { return statusFromWait(ws) }

// UsageOf converts a rusage, as the reapers do.
func UsageOf(ru *syscall.Rusage) Usage { return usageOf(ru) }

// ModeOf reports the parent's mode.
func (c *Parent) ModeOf() Mode { return c.mode }

// StdoutFD is the parent's end of the child's library stdout pipe, or -1.
func (ch *Child) StdoutFD() int {
	if ch.io == nil || ch.io.out[0] == nil {
		return -1
	}
	ch.io.mu.Lock()
	defer ch.io.mu.Unlock()
	return ch.io.out[0].fd
}

// CgroupDir is the directory of the parent's group of cgroups, or "".
func (c *Parent) CgroupDir() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cg == nil {
		return ""
	}
	return c.cg.Dir()
}

// SetDetectCgroup replaces the probe of the process's own cgroup2
// directory, to simulate other systems, until restore is called.
func SetDetectCgroup(f func() (string, error)) (restore func()) {
	old := detectCgroup
	detectCgroup = f
	return func() { detectCgroup = old }
}

// PidlessLen is how many children a pidfd parent watches without a pidfd.
func (c *Parent) PidlessLen() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.reaper.(interface{ pidlessLen() int }); ok {
		return r.pidlessLen()
	}
	return 0
}

// WithLock runs f with the parent's mutex held.
func (c *Parent) WithLock(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f()
}

// SetDeadlineLocked is SetDeadline for a caller inside WithLock.
func (ch *Child) SetDeadlineLocked(t time.Time) error { return ch.setDeadlineLocked(t) }
