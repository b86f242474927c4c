//go:build linux && (amd64 || arm64)

package spawn

import (
	"fmt"
	"os"
	"slices"
	"sync"
	"syscall"
	"testing"

	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dupAt duplicates fd to the lowest free fd ≥ min, close-on-exec or not.
func dupAt(t *testing.T, fd uintptr, min int, cloexec bool) int {
	t.Helper()
	cmd := syscall.F_DUPFD
	if cloexec {
		cmd = syscall.F_DUPFD_CLOEXEC
	}
	nfd, _, e := syscall.Syscall(syscall.SYS_FCNTL, fd, uintptr(cmd), uintptr(min))
	require.Zero(t, e, "fcntl F_DUPFD %d", min)
	t.Cleanup(func() { syscall.Close(int(nfd)) })
	return int(nfd)
}

// The child's fd table is the parent's cut at highBase (or above its
// highest given fd): an inheritable fd below the cut reaches it as with
// syscall.ForkExec, one above it does not, and a given fd above it is
// still given.
func TestChildTableCut(t *testing.T) {
	needFast(t)
	null := devNull(t).Fd()
	low := dupAt(t, null, 100, false)
	high := dupAt(t, null, highBase+300, false)
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	given := dupAt(t, w.Fd(), highBase+200, true)

	attr := helperAttr(t, "fds")
	attr.Files = []uintptr{null, 1, 2, uintptr(given)}
	out, ws := run(t, ForkExec, testutil.Executable(t), []string{"helper"}, attr)
	require.Zero(t, ws.ExitStatus(), "helper: %v\n%s", ws, out)
	open := fields(out)
	assert.Contains(t, open, low, "an inheritable fd below the cut")
	assert.NotContains(t, open, high, "an inheritable fd above the cut")
	assert.Contains(t, open, 3, "the given fd")
	w.Close()
	buf := make([]byte, 16)
	n, _ := r.Read(buf)
	assert.Equal(t, "3\n", string(buf[:n]), "written through the given fd")

	// syscall.ForkExec passes every inheritable fd: the difference
	// documented on ForkExec.
	out, _ = run(t, syscall.ForkExec, testutil.Executable(t), []string{"helper"}, attr)
	assert.Contains(t, fields(out), high, "syscall.ForkExec")
}

// fileID identifies the open file behind an fd.
func fileID(t *testing.T, fd int) [2]uint64 {
	var st syscall.Stat_t
	require.NoError(t, syscall.Fstat(fd, &st), "fstat %d", fd)
	return [2]uint64{st.Dev, st.Ino}
}

// The child shares the parent's fd table until its first system call: a
// child that rearranged fds before unsharing would rearrange the parent's.
// 8 goroutines spawn 400 children with their fds 0..3 taken from pipes
// (which the child dup3s into place) while the parent's fds 0..2 and the
// pipes are checked to be the same files after every spawn.
func TestParentTableUntouched(t *testing.T) {
	needFast(t)
	want := [3][2]uint64{fileID(t, 0), fileID(t, 1), fileID(t, 2)}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var p [2]int
			if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
				errs <- err
				return
			}
			defer syscall.Close(p[0])
			defer syscall.Close(p[1])
			before := [2][2]uint64{fileID(t, p[0]), fileID(t, p[1])}
			attr := &syscall.ProcAttr{Files: []uintptr{uintptr(p[0]), uintptr(p[1]), uintptr(p[1]), uintptr(p[0])}}
			for range 50 {
				pid, err := ForkExec("/bin/true", []string{"true"}, attr)
				if err != nil {
					errs <- err
					return
				}
				reap(pid, 0)
				if got := [2][2]uint64{fileID(t, p[0]), fileID(t, p[1])}; got != before {
					errs <- fmt.Errorf("goroutine %d: the pipe's fds changed under it", g)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Equal(t, want, [3][2]uint64{fileID(t, 0), fileID(t, 1), fileID(t, 2)}, "the parent's fds 0..2")
}

// Where close_range cannot unshare (Linux < 5.9; here simulated with flags
// the kernel refuses) the child copies the whole table with unshare, the
// spawn still works, and later spawns stop sharing the table.
func TestCloseRangeFallback(t *testing.T) {
	needFast(t)
	require.True(t, filesShared.Load())
	closeRangeFlags = 1 << 30
	t.Cleanup(func() { closeRangeFlags = closeRangeUnshare; filesShared.Store(true) })
	attr := helperAttr(t, "fds")
	out, ws := run(t, ForkExec, testutil.Executable(t), []string{"helper"}, attr)
	require.Zero(t, ws.ExitStatus(), "helper: %v\n%s", ws, out)
	assert.False(t, filesShared.Load(), "the table is copied from now on")
	out, ws = run(t, ForkExec, testutil.Executable(t), []string{"helper"}, attr)
	require.Zero(t, ws.ExitStatus(), "helper: %v\n%s", ws, out)
}

// A pidfd from ForkExec is above highBase, out of every later child's
// copy of the table.
func TestPidfdHigh(t *testing.T) {
	needFast(t)
	pidfd := -1
	attr := &syscall.ProcAttr{Sys: &syscall.SysProcAttr{PidFD: &pidfd}}
	pid, err := ForkExec("/bin/true", []string{"true"}, attr)
	require.NoError(t, err)
	defer reap(pid, 0)
	defer syscall.Close(pidfd)
	assert.GreaterOrEqual(t, pidfd, highBase)
	fds, err := testutil.OpenFDs()
	require.NoError(t, err)
	assert.True(t, slices.Contains(fds, pidfd), "pidfd %d open", pidfd)
}
