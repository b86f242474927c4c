//go:build linux

package childproc

import (
	"fmt"
	"github.com/childloop/childloop/internal/sigchld"
	"github.com/childloop/childloop/noexec"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/knob"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/childloop/childloop/loop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// What checkChild inspects; written by the parent before each fork.
var (
	checkFDs [16]int32
	checkN   int
	checkGen uint32
)

// checkChild runs in the forked child after noexec.PostforkChild and reports
// with bits what is wrong: 1 a self-pipe fd is still open, 2 SIGCHLD is not
// SIG_DFL, 4 inherited parents were not invalidated.
//
//go:nosplit
//go:norace
func checkChild() uintptr {
	var bad uintptr
	for i := 0; i < checkN; i++ {
		_, _, e := syscall.RawSyscall(syscall.SYS_FCNTL, uintptr(checkFDs[i]), syscall.F_GETFD, 0)
		if e != syscall.EBADF {
			bad |= 1
		}
	}
	var old [4]uint64
	syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(syscall.SIGCHLD), 0, uintptr(unsafe.Pointer(&old)), 8, 0, 0)
	if old[0] != 0 {
		bad |= 2
	}
	if sigchld.GenInChild() == checkGen {
		bad |= 4
	}
	if bad != 0 {
		return 64 + bad
	}
	return 0
}

// registryMu is the process-wide SIGCHLD registry's mutex, which the
// children below must not need.
var registryMu = sigchld.Mutex()

// lockInChild imitates libxl 4.4.0-rc5's postfork: it takes the process-wide
// registry lock in the child, where another goroutine held it at fork time,
// by spinning on the mutex word (the only way to "lock" without growing the
// stack). It never returns.
//
//go:nosplit
//go:norace
func lockInChild() uintptr {
	state := (*int32)(unsafe.Pointer(registryMu))
	for {
		if *state == 0 {
			*state = 1
			return 0
		}
	}
}

// lockInChildGo calls sync.Mutex.Lock in the child: not nosplit, so the
// runtime throws "stack growth after fork" (or the lock hangs).
func lockInChildGo() uintptr {
	registryMu.Lock()
	return 0
}

// outcome is how the harness saw a forked child end.
type outcome struct {
	hung     bool
	code     int
	signaled bool
}

func (o outcome) String() string {
	switch {
	case o.hung:
		return "hung"
	case o.signaled:
		return fmt.Sprintf("killed by signal %d", o.code)
	}
	return fmt.Sprintf("exit %d", o.code)
}

// watchFork waits for pid up to bound, killing it if it is still there.
func watchFork(t *testing.T, pid int, bound time.Duration) outcome {
	t.Helper()
	pfd, err := unix.PidfdOpen(pid, 0)
	require.NoError(t, err, "pidfd_open")
	defer unix.Close(pfd)
	fds := []unix.PollFd{{Fd: int32(pfd), Events: unix.POLLIN}}
	deadline := time.Now().Add(bound)
	hung := false
	for {
		left := time.Until(deadline)
		if left <= 0 {
			hung = true
			unix.Kill(pid, unix.SIGKILL)
			break
		}
		n, err := unix.Poll(fds, int(left/time.Millisecond)+1)
		if err == unix.EINTR {
			continue
		}
		require.NoError(t, err)
		if n > 0 {
			break
		}
	}
	ws, err := testutil.Reap(pid)
	require.NoError(t, err)
	if hung {
		return outcome{hung: true}
	}
	if ws.Signaled() {
		return outcome{code: int(ws.Signal()), signaled: true}
	}
	return outcome{code: ws.ExitStatus()}
}

// blockingHooks wraps a loop; RegisterFD blocks while block is open, so a
// Spawn stuck in it holds its parent's mutex and its osevent registry's.
type blockingHooks struct {
	*loop.Loop
	entered chan struct{} // buffered: told when the first RegisterFD blocks
	block   chan struct{} // closed to let it go on
	first   atomic.Bool
}

func (h *blockingHooks) RegisterFD(fd int, ev hooks.Events, tg hooks.FDTarget) (hooks.Registration, error) {
	if h.first.CompareAndSwap(false, true) {
		h.entered <- struct{}{}
		<-h.block
	}
	return h.Loop.RegisterFD(fd, ev, tg)
}

// TestPostforkWithEveryLockHeld is the regression test for libxl's 2014
// postfork deadlock. While other goroutines hold the process-wide registry
// lock, every parent's lock and (through a hook that blocks) an osevent
// registry lock, and garbage-making goroutines run, the test forks 1000
// times; each child runs noexec.PostforkChild and checks with raw system
// calls that the self-pipes are closed, SIGCHLD is SIG_DFL and the inherited
// contexts are invalid. A child that is not gone within a generous bound is
// a hang and fails the test.
func TestPostforkWithEveryLockHeld(t *testing.T) {
	iters := 1000
	if testing.Short() {
		iters = 100
	}
	l := StartLoop(t)

	var ctxs []*Parent
	for i := 0; i < 3; i++ {
		c, err := newContext(l, Config{Mode: ModeKeep}, knob.StrategyScan)
		require.NoError(t, err)
		defer c.Close()
		ctxs = append(ctxs, c)
		checkFDs[checkN] = int32(c.pipe.R)
		checkFDs[checkN+1] = int32(c.pipe.W)
		checkN += 2
	}
	defer func() { checkN = 0 }()
	checkGen = sigchld.Gen()

	// A fourth parent whose Spawn blocks inside the RegisterFD hook:
	// its mutex and its registry's mutex stay held.
	bh := &blockingHooks{Loop: l, entered: make(chan struct{}, 1), block: make(chan struct{})}
	stuck, err := newContext(bh, Config{}, knob.StrategyScan)
	require.NoError(t, err)
	spawnDone := make(chan error, 1)
	go func() {
		_, err := stuck.Spawn(&Cmd{Args: []string{"/bin/true"}, OnExit: func(*Child, Status) {}})
		spawnDone <- err
	}()
	<-bh.entered

	// Hold the registry lock and every parent lock.
	release := make(chan struct{})
	held := make(chan struct{})
	go func() {
		registryMu.Lock()
		for _, c := range ctxs {
			c.mu.Lock()
		}
		close(held)
		<-release
		for _, c := range ctxs {
			c.mu.Unlock()
		}
		registryMu.Unlock()
	}()
	<-held

	// Garbage makers keep the GC and the allocator busy during forks.
	stopGarbage := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var keep [][]byte
			for {
				select {
				case <-stopGarbage:
					return
				default:
				}
				keep = append(keep, make([]byte, 4096))
				if len(keep) > 256 {
					keep = nil
				}
			}
		}()
	}

	prog := new(noexec.Steps).Call(checkChild).Exit(0)
	for i := 0; i < iters; i++ {
		pid, err := prog.Start()
		require.NoError(t, err, "iteration %d", i)
		o := watchFork(t, pid, 30*time.Second)
		require.Equal(t, outcome{}, o, "iteration %d: child %s (want exit 0; 64+bits = failed checks)", i, o)
	}
	close(stopGarbage)
	wg.Wait()
	close(release)
	close(bh.block)
	assert.NoError(t, <-spawnDone, "blocked spawn")
	stuck.Close()
	// The parent's own state is untouched.
	for _, c := range ctxs {
		assert.NoError(t, c.usableLocked(), "parent context unusable after forks")
	}
}

// TestHarnessDetectsLockInChild shows the harness above can fail: a child
// that takes the registry lock, as libxl's postfork effectively did, is
// reported as hung (spinning) or crashed (sync.Mutex.Lock growing the stack).
func TestHarnessDetectsLockInChild(t *testing.T) {
	release := make(chan struct{})
	held := make(chan struct{})
	go func() {
		registryMu.Lock()
		close(held)
		<-release
		registryMu.Unlock()
	}()
	<-held
	defer close(release)
	// The crashing variant prints a runtime traceback: keep it off the
	// test's stderr.
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	defer null.Close()
	for _, tc := range []struct {
		name string
		fn   func() uintptr
	}{{"spin", lockInChild}, {"sync.Mutex", lockInChildGo}} {
		pid, err := new(noexec.Steps).Dup2(int(null.Fd()), 2).Call(tc.fn).Exit(0).Start()
		require.NoError(t, err)
		o := watchFork(t, pid, 2*time.Second)
		assert.NotEqual(t, outcome{}, o, "%s: lock taken in the child went unnoticed", tc.name)
		t.Logf("%s: child %s", tc.name, o)
	}
}

// TestDoubleForkDaemon: the middle child does setsid and forks the
// grandchild, which execs; the parent reports the middle child's exit, and
// the grandchild is no longer our child.
func TestDoubleForkDaemon(t *testing.T) {
	l := StartLoop(t)
	c, err := New(l, Config{})
	require.NoError(t, err)
	defer c.Close()

	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	var s noexec.Steps
	s.Setsid().Fork().Dup2(int(w.Fd()), 1).Exec("/bin/sh", []string{"sh", "-c", "echo $$; exec sleep 30"}, nil)
	exited := make(chan Status, 1)
	ch, err := c.ForkNoexec(&s, func(_ *Child, st Status) { exited <- st })
	w.Close()
	require.NoError(t, err)
	pid := ch.Pid()
	select {
	case st := <-exited:
		assert.True(t, st.Success(), "middle child: %v, want exit 0", st)
	case <-time.After(60 * time.Second):
		require.Fail(t, "middle child's exit not reported")
	}
	var gpid int
	_, err = fmt.Fscan(r, &gpid)
	require.NoError(t, err, "reading grandchild pid")
	defer syscall.Kill(gpid, syscall.SIGKILL)
	stat, err := testutil.ReadProcStat(gpid)
	require.NoError(t, err)
	assert.NotEqual(t, os.Getpid(), stat.PPid, "grandchild %d is still our child", gpid)
	assert.Equal(t, pid, stat.Session, "grandchild's session: want the middle child's pid (setsid)")
	assert.Zero(t, c.Len(), "children the context still tracks")
}
