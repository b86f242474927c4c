//go:build linux

package childproc_test

// Status.Usage must come from the call that collects the status: wait4 for
// the scan and ModeReapAll reapers and at Close, waitid(P_PIDFD, WNOWAIT) with
// its rusage argument for the pidfd reaper. The helpers below use known
// amounts (CPU, memory) that a zero or truncated Usage cannot reach, and the
// exact check compares with what the kernel reports for the same zombie.

import (
	"fmt"
	"github.com/childloop/childloop/noexec"
	"os"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/knob"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/childloop/childloop/loop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

const (
	burnUser  = 200 * time.Millisecond // user CPU the burn helper uses before it exits
	touchSize = 64 << 20               // bytes the touch helper maps and touches
)

// burnSink keeps the burn helper's loop from being optimised away.
var burnSink uint64

// burnHelper spins until its own user CPU time (getrusage RUSAGE_SELF)
// reaches burnUser, then exits 0. It gives up with 3 after hangGuard, if
// user time somehow never grows.
func burnHelper([]string) int {
	deadline := time.Now().Add(hangGuard)
	for x := uint64(1); ; {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			fmt.Fprintln(os.Stderr, "getrusage:", err)
			return 2
		}
		if time.Duration(ru.Utime.Nano()) >= burnUser {
			return 0
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "burn: user time stuck at", time.Duration(ru.Utime.Nano()))
			return 3
		}
		for i := 0; i < 1<<20; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
		burnSink = x
	}
}

// touchHelper maps touchSize bytes and writes one byte per page, so that
// its peak RSS is at least touchSize and it took a minor fault per page
// (huge pages are refused for the mapping: one fault per 2 MiB would not
// do). It exits 0, or with "hold" writes "ok" to stdout and waits to be
// killed.
func touchHelper(args []string) int {
	b, err := syscall.Mmap(-1, 0, touchSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mmap:", err)
		return 2
	}
	_ = unix.Madvise(b, unix.MADV_NOHUGEPAGE) // EINVAL without THP: 4 KiB pages anyway
	for i := 0; i < len(b); i += os.Getpagesize() {
		b[i] = 1
	}
	if len(args) > 0 && args[0] == "hold" {
		if _, err := os.Stdout.WriteString("ok"); err != nil {
			return 2
		}
		time.Sleep(hangGuard) // the test kills it long before
		return 4
	}
	return 0
}

// touchFaults is the fewest minor faults the touch helper can take.
func touchFaults() int64 { return int64(touchSize / os.Getpagesize()) }

// usagePath is one way a child's exit reaches its callback.
type usagePath struct {
	name     string
	mode     childproc.Mode
	strategy knob.Strategy
}

var usagePaths = []usagePath{
	{"pidfd", childproc.ModeOwn, knob.StrategyPidfd},
	{"scan", childproc.ModeOwn, knob.StrategyScan},
	{"ReapAll", childproc.ModeReapAll, knob.StrategyAuto}, // wait4(-1)
	{"AppSigchld-scan", childproc.ModeApp, knob.StrategyScan},
	{"AppSigchld-pidfd", childproc.ModeApp, knob.StrategyPidfd},
}

func forUsagePaths(t *testing.T, f func(t *testing.T, r *usageRig)) {
	for _, p := range usagePaths {
		t.Run(p.name, func(t *testing.T) {
			if p.strategy == knob.StrategyPidfd && !pidfdOK() {
				t.Skip("the kernel has no pidfds (Linux < 5.4)")
			}
			f(t, newUsageRig(t, p))
		})
	}
}

// foreignExit is one OnForeignExit call.
type foreignExit struct {
	pid int
	st  childproc.Status
}

// usageRig is a parent of one usagePath on a reference loop that starts
// only when the test first waits for an exit (run), so that a test can
// read a zombie's rusage before any reaper of the parent looks.
type usageRig struct {
	p       usagePath
	c       *childproc.Parent
	run     func()
	rec     *recorder        // death callbacks
	foreign chan foreignExit // OnForeignExit calls (ModeReapAll)
}

func newUsageRig(t *testing.T, p usagePath) *usageRig {
	l, err := loop.New()
	require.NoError(t, err)
	started, done := false, make(chan error, 1)
	t.Cleanup(func() { // after the parent's Close, registered below
		if started {
			l.Stop()
			assert.NoError(t, <-done, "loop.Run")
		}
		l.Close()
	})
	r := &usageRig{
		p:       p,
		rec:     newRecorder(),
		foreign: make(chan foreignExit, 16),
	}
	var onForeign func(int, childproc.Status)
	if p.mode == childproc.ModeReapAll {
		onForeign = func(pid int, st childproc.Status) {
			select {
			case r.foreign <- foreignExit{pid, st}:
			default: // not one this test waits for
			}
		}
	}
	r.c = newParent(t, l, parentOf{Mode: p.mode, Strategy: p.strategy, Foreign: onForeign})
	r.run = func() {
		if !started {
			started = true
			go func() { done <- l.Run() }()
		}
	}
	return r
}

func (r *usageRig) onExit(ch *childproc.Child, st childproc.Status) { r.rec.add(r.c, ch.Pid(), st) }

// await returns the status of pid's death callback. With ModeApp it
// plays the application: once pid has exited it calls SigchldOccurred
// (unless the callback already ran, as Adopt of an exited child does).
func (r *usageRig) await(t *testing.T, pid int) childproc.Status {
	t.Helper()
	if r.p.mode == childproc.ModeApp {
		if got := r.rec.Of(pid); len(got) > 0 {
			return got[0].st
		}
		require.NoError(t, testutil.WaitExited(pid))
		require.NoError(t, r.c.SigchldOccurred())
	}
	r.run()
	return r.rec.of(t, pid).st
}

// helperCmd is helper name of the test binary as a Cmd.
func helperCmd(t *testing.T, name string, onExit func(*childproc.Child, childproc.Status), args ...string) *childproc.Cmd {
	cmd := testutil.HelperCommand(t, name, args...)
	return &childproc.Cmd{Path: cmd.Path, Args: cmd.Args, Env: cmd.Env, OnExit: onExit}
}

// spawnHelper runs helper name through Spawn and returns its status.
func (r *usageRig) spawnHelper(t *testing.T, name string) childproc.Status {
	t.Helper()
	ch, err := r.c.Spawn(helperCmd(t, name, r.onExit))
	require.NoError(t, err)
	st := r.await(t, ch.Pid())
	require.True(t, st.Success(), "%s helper: %v", name, st)
	return st
}

// TestUsageBurn: a child that used burnUser of user CPU reports at least
// most of it (the child measured it itself; the reaper's figure can only
// be larger).
func TestUsageBurn(t *testing.T) {
	forUsagePaths(t, func(t *testing.T, r *usageRig) {
		st := r.spawnHelper(t, "burn")
		assert.GreaterOrEqual(t, st.Usage.User, burnUser*3/4, "Usage.User of a child that burnt %v: %+v", burnUser, st.Usage)
	})
}

// TestUsageTouch: a child that touched touchSize bytes page by page
// reports that peak RSS and a fault per page, whether Spawn or ForkNoexec
// started it.
func TestUsageTouch(t *testing.T) {
	check := func(t *testing.T, st childproc.Status) {
		t.Helper()
		assert.GreaterOrEqual(t, st.Usage.MaxRSS, int64(touchSize), "Usage.MaxRSS in bytes: %+v", st.Usage)
		assert.GreaterOrEqual(t, st.Usage.MinorFaults, touchFaults(), "Usage.MinorFaults: %+v", st.Usage)
	}
	forUsagePaths(t, func(t *testing.T, r *usageRig) {
		t.Run("Spawn", func(t *testing.T) { check(t, r.spawnHelper(t, "touch")) })
		t.Run("ForkNoexec", func(t *testing.T) {
			cmd := testutil.HelperCommand(t, "touch")
			ch, err := r.c.ForkNoexec(new(noexec.Steps).Exec(cmd.Path, cmd.Args, cmd.Env), r.onExit)
			require.NoError(t, err)
			st := r.await(t, ch.Pid())
			require.True(t, st.Success(), "touch helper: %v", st)
			check(t, st)
		})
	})
}

// zombieRusage reads an exited child's rusage without reaping it:
// waitid(P_PID, WEXITED|WNOWAIT) with the fifth argument, which the kernel
// fills from the zombie exactly as wait4 would.
func zombieRusage(t *testing.T, pid int) syscall.Rusage {
	t.Helper()
	var info unix.Siginfo
	var ru syscall.Rusage
	for {
		_, _, e := unix.Syscall6(unix.SYS_WAITID, unix.P_PID, uintptr(pid), uintptr(unsafe.Pointer(&info)),
			unix.WEXITED|unix.WNOWAIT, uintptr(unsafe.Pointer(&ru)), 0)
		if e == unix.EINTR {
			continue
		}
		require.Zero(t, e, "waitid(P_PID, %d, WNOWAIT) with rusage: %v", pid, e)
		return ru
	}
}

// exitedHelper starts helper name with syscall.ForkExec, outside any
// context, and returns once it is a zombie, with the usage a reaper of it
// would get. The test must reap it (Adopt, or a ModeReapAll parent); a zombie
// left over is reaped at cleanup.
func exitedHelper(t *testing.T, name string) (pid int, want childproc.Usage) {
	t.Helper()
	cmd := testutil.HelperCommand(t, name)
	pid, err := syscall.ForkExec(cmd.Path, cmd.Args, &syscall.ProcAttr{Env: cmd.Env, Files: []uintptr{0, 1, 2}})
	require.NoError(t, err)
	t.Cleanup(func() {
		var ws syscall.WaitStatus
		_, _ = syscall.Wait4(pid, &ws, syscall.WNOHANG, nil) // ECHILD once the test reaped it
	})
	require.NoError(t, testutil.WaitExited(pid))
	ru := zombieRusage(t, pid)
	want = childproc.UsageOf(&ru)
	require.GreaterOrEqual(t, want.MaxRSS, int64(touchSize), "the kernel's own figure for the %s helper: %+v", name, want)
	return pid, want
}

// TestUsageExact: what the parent reports is what the kernel reports for
// that child, field for field.
func TestUsageExact(t *testing.T) {
	forUsagePaths(t, func(t *testing.T, r *usageRig) {
		pid, want := exitedHelper(t, "touch")
		_, err := r.c.Adopt(pid, r.onExit)
		require.NoError(t, err)
		st := r.await(t, pid)
		require.True(t, st.Success(), "touch helper: %v", st)
		assert.Equal(t, want, st.Usage, "Usage, want the kernel's rusage of the same child")
	})
}

// TestUsageForeign: OnForeignExit's statuses carry the usage too.
func TestUsageForeign(t *testing.T) {
	r := newUsageRig(t, usagePath{"ReapAll", childproc.ModeReapAll, knob.StrategyAuto})
	pid, want := exitedHelper(t, "touch") // its SIGCHLD is pending in the context's self-pipe
	r.run()
	deadline := time.After(hangGuard)
	for {
		select {
		case f := <-r.foreign:
			if f.pid != pid {
				continue
			}
			require.True(t, f.st.Success(), "touch helper: %v", f.st)
			assert.Equal(t, want, f.st.Usage, "Usage, want the kernel's rusage of the same child")
			return
		case <-deadline:
			require.FailNow(t, "foreign exit missing", "pid %d, within %v", pid, hangGuard)
		}
	}
}

// TestUsageReapedIsZero: Reaped gets a WaitStatus and nothing else, so its
// Usage is zero (documented), even though the application's wait4 had a
// rusage to give.
func TestUsageReapedIsZero(t *testing.T) {
	c := newParent(t, nil, parentOf{Mode: childproc.ModeApp, Strategy: knob.StrategyScan})
	var got []childproc.Status
	ch, err := c.Spawn(helperCmd(t, "touch", func(_ *childproc.Child, st childproc.Status) { got = append(got, st) }))
	require.NoError(t, err)
	var ws syscall.WaitStatus
	var ru syscall.Rusage
	_, err = syscall.Wait4(ch.Pid(), &ws, 0, &ru)
	require.NoError(t, err)
	require.GreaterOrEqual(t, childproc.UsageOf(&ru).MaxRSS, int64(touchSize), "the application's own rusage")
	require.NoError(t, c.Reaped(ch.Pid(), ws))
	if assert.Len(t, got, 1, "callbacks by the time Reaped returned") {
		assert.True(t, got[0].Success(), "touch helper: %v", got[0])
		assert.Zero(t, got[0].Usage, "Usage after Reaped")
	}
}

// TestUsageKilledAtClose: a child still running at Close is killed and
// reaped there; no callback runs, but Child.Status has its usage.
func TestUsageKilledAtClose(t *testing.T) {
	for _, s := range []knob.Strategy{knob.StrategyPidfd, knob.StrategyScan} {
		t.Run(s.String(), func(t *testing.T) {
			if s == knob.StrategyPidfd && !pidfdOK() {
				t.Skip("the kernel has no pidfds (Linux < 5.4)")
			}
			l := childproc.StartLoop(t)
			c, err := childproc.NewWithStrategy(l, childproc.Config{}, s)
			require.NoError(t, err)
			t.Cleanup(func() { c.Close() })
			pr, pw, err := os.Pipe()
			require.NoError(t, err)
			defer pr.Close()
			cmd := helperCmd(t, "touch", func(*childproc.Child, childproc.Status) {
				assert.Fail(t, "death callback of a child killed at Close")
			}, "hold")
			cmd.Stdout = pw
			ch, err := c.Spawn(cmd)
			pw.Close()
			require.NoError(t, err)
			buf := make([]byte, 2)
			_, err = pr.Read(buf) // the helper has touched its pages
			require.NoError(t, err)
			require.NoError(t, c.Close())
			st, gone := ch.Status()
			require.True(t, gone, "reaped at Close")
			assert.Equal(t, syscall.SIGKILL, st.Signal, "status: %v", st)
			assert.GreaterOrEqual(t, st.Usage.MaxRSS, int64(touchSize), "Usage.MaxRSS in bytes: %+v", st.Usage)
			assert.GreaterOrEqual(t, st.Usage.MinorFaults, touchFaults(), "Usage.MinorFaults: %+v", st.Usage)
		})
	}
}
