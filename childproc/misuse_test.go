//go:build linux

package childproc_test

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/knob"
)

func TestBadInput(t *testing.T) {
	l := startLoop(t)
	for _, s := range []knob.Strategy{knob.StrategyScan, knob.StrategyAuto} {
		c := newCtx(t, l, childproc.ModeOwn, s, nil)
		nop := func(*childproc.Child, childproc.Status) {}

		if _, err := c.Spawn(&childproc.Cmd{OnExit: nop}); !errors.Is(err, os.ErrInvalid) {
			t.Errorf("empty argv: %v", err)
		}
		if _, err := c.Spawn(&childproc.Cmd{Args: []string{"/nonexistent/binary"}, OnExit: nop}); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("missing executable: %v, want ErrNotExist", err)
		}
		if _, err := c.Spawn(&childproc.Cmd{Args: []string{"no-such-command-childloop"}, OnExit: nop}); !errors.Is(err, exec.ErrNotFound) {
			t.Errorf("missing command in PATH: %v, want exec.ErrNotFound", err)
		}
		if _, err := c.Spawn(&childproc.Cmd{Args: []string{"/etc/passwd"}, OnExit: nop}); !errors.Is(err, os.ErrPermission) {
			t.Errorf("non-executable: %v, want ErrPermission", err)
		}
		if c.Len() != 0 {
			t.Errorf("failed spawns left %d phantom children", c.Len())
		}
		if n := childproc.PipeUsers(); n != 0 {
			t.Errorf("failed spawns left %d SIGCHLD users", n)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Error("nil OnExit did not panic")
				}
			}()
			c.Spawn(&childproc.Cmd{Args: []string{"/bin/true"}})
		}()
		if _, err := c.Adopt(os.Getppid(), nop); !errors.Is(err, childproc.ErrUnknownChild) {
			t.Errorf("Adopt of a process that is not our child: %v", err)
		}
		if err := c.SigchldOccurred(); !errors.Is(err, os.ErrInvalid) {
			t.Errorf("SigchldOccurred without AppSigchld: %v", err)
		}
		if err := c.Reaped(1, 0); !errors.Is(err, os.ErrInvalid) {
			t.Errorf("Reaped without AppSigchld: %v", err)
		}
		c.Close()
		if err := c.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if _, err := c.Spawn(&childproc.Cmd{Args: []string{"/bin/true"}, OnExit: nop}); !errors.Is(err, fs.ErrClosed) {
			t.Errorf("Spawn after Close: %v", err)
		}
		if _, err := c.Adopt(os.Getppid(), nop); !errors.Is(err, fs.ErrClosed) {
			t.Errorf("Adopt after Close: %v", err)
		}
	}
	foreign := func(int, childproc.Status) {}
	for name, cfg := range map[string]childproc.Config{
		"ReapAll without OnForeignExit": {ReapAll: true},
		"OnForeignExit without ReapAll": {OnForeignExit: foreign},
		"AppSigchld with ReapAll":       {AppSigchld: true, ReapAll: true, OnForeignExit: foreign},
		"AppSigchld with KeepSigchld":   {AppSigchld: true, KeepSigchld: true},
	} {
		if _, err := childproc.New(l, cfg); !errors.Is(err, os.ErrInvalid) {
			t.Errorf("%s: New = %v, want os.ErrInvalid", name, err)
		}
	}
	if _, err := childproc.NewWithStrategy(l, childproc.Config{}, 99); !errors.Is(err, os.ErrInvalid) {
		t.Errorf("bad strategy: %v", err)
	}
	m := newCtx(t, l, childproc.ModeApp, knob.StrategyScan, nil)
	m.Close()
	if err := m.SigchldOccurred(); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("SigchldOccurred after Close: %v", err)
	}
	if err := m.Reaped(1, 0); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("Reaped after Close: %v", err)
	}
}

// failingHooks refuses every fd registration.
type failingHooks struct{ hooks.OSEvents }

var errRefused = errors.New("refused by the application")

func (failingHooks) RegisterFD(int, hooks.Events, hooks.FDTarget) (hooks.Registration, error) {
	return nil, errRefused
}

// TestHookFailure: when the application refuses to register the self-pipe,
// Spawn fails cleanly and no child is started.
func TestHookFailure(t *testing.T) {
	l := startLoop(t)
	fds0 := fdCount(t)
	c, err := childproc.NewWithStrategy(failingHooks{l}, childproc.Config{}, knob.StrategyScan)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Spawn(shell("exit 0", func(*childproc.Child, childproc.Status) { t.Error("callback for a child never started") }))
	if !errors.Is(err, errRefused) {
		t.Errorf("Spawn: %v, want the hook's error", err)
	}
	if c.Len() != 0 || childproc.PipeUsers() != 0 {
		t.Errorf("state left behind: %d children, %d pipes", c.Len(), childproc.PipeUsers())
	}
	assertNoChildren(t)
	if got := fdCount(t); got != fds0 {
		t.Errorf("fds %d, want %d", got, fds0)
	}
	c.Close()
	if pidfdOK() {
		if _, err := childproc.NewWithStrategy(failingHooks{l}, childproc.Config{}, knob.StrategyPidfd); !errors.Is(err, errRefused) {
			t.Errorf("New with pidfd strategy on refusing hooks: %v", err)
		}
		if got := fdCount(t); got != fds0 {
			t.Errorf("fds %d after failed New, want %d", got, fds0)
		}
	}
}

// TestCloseWithRunningChildren: Close kills and reaps what is still
// running; no callback runs, no zombie and no fd stay behind.
func TestCloseWithRunningChildren(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		l := startLoop(t)
		fds0 := fdCount(t)
		c, err := childproc.NewWithStrategy(l, childproc.Config{}, v.strategy)
		if err != nil {
			t.Fatal(err)
		}
		var kids []*childproc.Child
		for i := 0; i < 20; i++ {
			ch, err := c.Spawn(&childproc.Cmd{Args: []string{"/bin/sleep", "3600"},
				OnExit: func(*childproc.Child, childproc.Status) { t.Error("callback after Close") }})
			if err != nil {
				t.Fatal(err)
			}
			kids = append(kids, ch)
		}
		start := time.Now()
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("Close with 20 running children took %v", time.Since(start))
		for _, ch := range kids {
			if st, done := ch.Status(); !done || st.Signal != 9 {
				t.Errorf("%v: %v %v, want killed", ch, st, done)
			}
		}
		assertNoZombies(t)
		assertNoChildren(t)
		if got := fdCount(t); got != fds0 {
			t.Errorf("fds %d after Close, want %d", got, fds0)
		}
	})
}

// TestAppSigchldWithoutHooks: an AppSigchld context may be created without
// hooks (for loops that cannot watch arbitrary fds); other modes panic.
func TestAppSigchldWithoutHooks(t *testing.T) {
	c, err := childproc.New(nil, childproc.Config{AppSigchld: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rec := newRecorder()
	ch, err := c.Spawn(shell("exit 4", rec.onExit(c)))
	if err != nil {
		t.Fatal(err)
	}
	st, err := waitPid(ch.Pid())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Reaped(ch.Pid(), st); err != nil {
		t.Fatal(err)
	}
	if got := rec.got[ch.Pid()]; len(got) != 1 || got[0].st.Code != 4 {
		t.Errorf("got %v", got)
	}
	if pidfdOK() {
		// The pidfd set needs no loop when the application says when to
		// look: SigchldOccurred polls it.
		p, err := childproc.NewWithStrategy(nil, childproc.Config{AppSigchld: true}, knob.StrategyPidfd)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		ch, err := p.Spawn(shell("exit 5", rec.onExit(p)))
		if err != nil {
			t.Fatal(err)
		}
		waitExited(t, ch.Pid())
		if err := p.SigchldOccurred(); err != nil {
			t.Fatal(err)
		}
		if got := rec.got[ch.Pid()]; len(got) != 1 || got[0].st.Code != 5 {
			t.Errorf("pidfd set without a loop: got %v, want one exit 5", got)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("nil hooks with the default Config did not panic")
		}
	}()
	childproc.New(nil, childproc.Config{})
}

func waitPid(pid int) (syscall.WaitStatus, error) {
	var ws syscall.WaitStatus
	for {
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if err != syscall.EINTR {
			return ws, err
		}
	}
}
