//go:build linux && (amd64 || arm64)

package spawn

import (
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// With one P, a child held before its exec can be let go only by another
// goroutine, which runs only if the forking goroutine gave its P up for the
// clone: ForkExecYielding does (the child would wait up to 10 s), ForkExec
// does not (the held child gives up after 1 s). Afterwards the yielding goroutine runs on as
// before: it still has its signal mask, and its P back.
func TestForkExecYielding(t *testing.T) {
	needFast(t)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for _, tc := range []struct {
		name   string
		fork   func(string, []string, *syscall.ProcAttr) (int, error)
		ok     bool
		tenths uint32 // the most the held child waits
	}{
		{"ForkExecYielding", ForkExecYielding, true, 100},
		{"ForkExec", ForkExec, false, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := [3]uint32{2: tc.tenths}
			testHold = &h
			defer func() { testHold = nil }()
			released := make(chan struct{})
			go func() {
				defer close(released)
				for atomic.LoadUint32(&h[0]) == 0 {
					runtime.Gosched()
				}
				atomic.StoreUint32(&h[1], 1)
				syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&h[1])), 1|128, 1, 0, 0, 0) // FUTEX_WAKE_PRIVATE
			}()
			mask0 := sigmask(t)
			pid, err := tc.fork("/bin/true", []string{"true"}, &syscall.ProcAttr{})
			<-released
			assert.Equal(t, mask0, sigmask(t), "signal mask after the fork")
			if !tc.ok {
				require.ErrorIs(t, err, syscall.ETIMEDOUT, "nothing could let the child go")
				require.ErrorContains(t, err, "hold")
				return
			}
			require.NoError(t, err)
			ws := reap(pid, 0)
			assert.True(t, ws.Exited() && ws.ExitStatus() == 0, "status %v", ws)
		})
	}
}

// Many yielding forks from several goroutines beside a goroutine that
// allocates (so that the collector scans the forking goroutines' stacks
// while they wait in the clone): every child is spawned and reaped.
func TestForkExecYieldingConcurrent(t *testing.T) {
	needFast(t)
	stop := make(chan struct{})
	garbage := make(chan int, 1)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				garbage <- n
				return
			default:
			}
			b := make([]*int, 1024)
			b[0] = &n
			n += len(b)
			runtime.KeepAlive(b)
		}
	}()
	const goroutines, each = 8, 100
	errs := make(chan error, goroutines)
	for range goroutines {
		go func() {
			for range each {
				pid, err := ForkExecYielding("/bin/true", []string{"true"}, &syscall.ProcAttr{})
				if err != nil {
					errs <- err
					return
				}
				if ws := reap(pid, 0); !ws.Exited() || ws.ExitStatus() != 0 {
					errs <- syscall.ECHILD
					return
				}
			}
			errs <- nil
		}()
	}
	for range goroutines {
		assert.NoError(t, <-errs)
	}
	close(stop)
	assert.Positive(t, <-garbage)
	// No thread was left with the signals BeforeFork blocks.
	tasks, err := os.ReadDir("/proc/self/task")
	require.NoError(t, err)
	for _, task := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + task.Name() + "/status")
		if err != nil {
			continue // the thread is gone
		}
		for line := range strings.Lines(string(b)) {
			if blk, ok := strings.CutPrefix(line, "SigBlk:"); ok {
				assert.Equal(t, strings.Repeat("0", 16), strings.TrimSpace(blk), "thread %s's blocked signals", task.Name())
			}
		}
	}
}

// sigmask is the calling thread's signal mask.
func sigmask(t *testing.T) uint64 {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var set uint64
	_, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, 0, 0, uintptr(unsafe.Pointer(&set)), 8, 0, 0)
	require.Zero(t, e)
	return set
}
