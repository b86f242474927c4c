//go:build linux

package childproc_test

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/knob"
	"golang.org/x/sys/unix"
)

// TestAppSigchldSigchldOccurred: the application catches SIGCHLD with its own
// signal.Notify and tells the context; the library installs nothing.
func TestAppSigchldSigchldOccurred(t *testing.T) {
	l := startLoop(t)
	c := newCtx(t, l, childproc.ModeApp, knob.StrategyAuto, nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGCHLD)
	defer signal.Stop(sigs)

	rec := newRecorder()
	want := map[int]int{}
	for i := 0; i < 50; i++ {
		ch, err := c.Spawn(shell(fmt.Sprintf("exit %d", i), rec.onExit(c)))
		if err != nil {
			t.Fatal(err)
		}
		want[ch.Pid()] = i
	}
	if n := childproc.PipeUsers(); n != 0 {
		t.Errorf("AppSigchld context registered %d SIGCHLD self-pipes", n)
	}
	deadline := time.After(hangGuard)
	for rec.count() < len(want) {
		select {
		case <-sigs:
			if err := c.SigchldOccurred(); err != nil {
				t.Fatal(err)
			}
		case <-deadline:
			t.Fatalf("%d of %d exits seen", rec.count(), len(want))
		}
	}
	for pid, code := range want {
		if got := rec.got[pid]; len(got) != 1 || got[0].st.Code != code {
			t.Errorf("pid %d: %v, want exit %d", pid, got, code)
		}
	}
}

// TestAppSigchldReaped: the application reaps everything with wait4(-1) and
// offers each status to the context; pids that are not the context's are
// refused with ErrUnknownChild and change nothing.
func TestAppSigchldReaped(t *testing.T) {
	l := startLoop(t)
	c := newCtx(t, l, childproc.ModeApp, knob.StrategyScan, nil)
	rec := newRecorder()
	want := map[int]int{}
	for i := 0; i < 20; i++ {
		ch, err := c.Spawn(shell(fmt.Sprintf("exit %d", 100+i), rec.onExit(c)))
		if err != nil {
			t.Fatal(err)
		}
		want[ch.Pid()] = 100 + i
	}
	foreign := map[int]bool{}
	for i := 0; i < 5; i++ {
		pid, err := syscall.ForkExec("/bin/sh", []string{"sh", "-c", "exit 3"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		foreign[pid] = true
	}
	unknown := 0
	for reaped := 0; reaped < len(want)+len(foreign); reaped++ {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = c.Reaped(pid, syscall.WaitStatus(ws))
		switch {
		case foreign[pid]:
			if !errors.Is(err, childproc.ErrUnknownChild) {
				t.Errorf("foreign pid %d: Reaped = %v, want ErrUnknownChild", pid, err)
			}
			unknown++
		case err != nil:
			t.Errorf("own pid %d: Reaped = %v", pid, err)
		}
	}
	if unknown != len(foreign) {
		t.Errorf("%d foreign pids refused, want %d", unknown, len(foreign))
	}
	if rec.count() != len(want) {
		t.Fatalf("%d callbacks, want %d (Reaped runs them synchronously)", rec.count(), len(want))
	}
	for pid, code := range want {
		if got := rec.got[pid]; len(got) != 1 || got[0].st.Code != code {
			t.Errorf("pid %d: %v, want exit %d", pid, got, code)
		}
	}
	if err := c.Reaped(999999, 0); !errors.Is(err, childproc.ErrUnknownChild) {
		t.Errorf("Reaped(unknown) = %v", err)
	}
	if c.Len() != 0 {
		t.Errorf("%d children left", c.Len())
	}
}

// TestReapAllForeign: an ReapAll context reaps children it did not spawn and
// reports them through OnForeignExit; its own children go to their callbacks.
func TestReapAllForeign(t *testing.T) {
	forSignalVariants(t, func(t *testing.T, v variant) { // ReapAll ignores the strategy
		l := startLoop(t)
		var mu sync.Mutex
		foreignGot := map[int]childproc.Status{}
		fdone := make(chan struct{}, 100)
		c := newCtx(t, l, childproc.ModeReapAll, knob.StrategyAuto, func(pid int, st childproc.Status) {
			mu.Lock()
			foreignGot[pid] = st
			mu.Unlock()
			fdone <- struct{}{}
		})
		if c.StrategyInUse() != "any" {
			t.Fatalf("ReapAll uses %s", c.StrategyInUse())
		}
		rec := newRecorder()
		own, err := c.Spawn(shell("exit 9", rec.onExit(c)))
		if err != nil {
			t.Fatal(err)
		}
		foreign := map[int]int{}
		for i := 0; i < 10; i++ {
			pid, err := syscall.ForkExec("/bin/sh", []string{"sh", "-c", fmt.Sprintf("exit %d", 40+i)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			foreign[pid] = 40 + i
		}
		rec.wait(t, 1)
		for range foreign {
			select {
			case <-fdone:
			case <-time.After(hangGuard):
				t.Fatal("foreign exits not reported")
			}
		}
		if got := rec.got[own.Pid()]; len(got) != 1 || got[0].st.Code != 9 {
			t.Errorf("own child: %v", got)
		}
		mu.Lock()
		defer mu.Unlock()
		for pid, code := range foreign {
			if st, ok := foreignGot[pid]; !ok || st.Code != code {
				t.Errorf("foreign %d: %v (reported %v), want exit %d", pid, st, ok, code)
			}
		}
	})
}

// TestSecondReapAll: only one ReapAll context at a time.
func TestSecondReapAll(t *testing.T) {
	l := startLoop(t)
	f := func(int, childproc.Status) {}
	c1, err := childproc.New(l, childproc.Config{ReapAll: true, OnForeignExit: f})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := childproc.New(l, childproc.Config{ReapAll: true, OnForeignExit: f}); !errors.Is(err, childproc.ErrReapAllInUse) {
		t.Errorf("second ReapAll: %v, want ErrReapAllInUse", err)
	}
	c1.Close()
	c2, err := childproc.New(l, childproc.Config{ReapAll: true, OnForeignExit: f})
	if err != nil {
		t.Fatalf("ReapAll after Close of the first: %v", err)
	}
	c2.Close()
}

// TestIsolation: two contexts' children are never reported to each other,
// whatever mix of modes, even when one context's wake-up sees the other's
// exits.
func TestIsolation(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		l := startLoop(t)
		a := newCtx(t, l, childproc.ModeOwn, v.strategy, nil)
		b := newCtx(t, l, childproc.ModeKeep, v.strategy, nil)
		rec := newRecorder()
		owner := map[int]*childproc.Context{}
		for i := 0; i < 100; i++ {
			c := a
			if i%2 == 1 {
				c = b
			}
			ch, err := c.Spawn(shell("exit 0", rec.onExit(c)))
			if err != nil {
				t.Fatal(err)
			}
			owner[ch.Pid()] = c
		}
		rec.wait(t, 100)
		for pid, c := range owner {
			if got := rec.got[pid]; len(got) != 1 || got[0].ctx != c {
				t.Errorf("pid %d misreported: %v", pid, got)
			}
		}
	})
}
