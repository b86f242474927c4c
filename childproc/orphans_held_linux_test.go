//go:build linux

package childproc

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/childloop/childloop/internal/testutil"
)

// unheld tells a zombie some fd of the process refers to through a pidfd
// from one nothing refers to, and without /proc/self/fd it cannot tell,
// so it calls none an orphan.
func TestUnheld(t *testing.T) {
	if !pidfdSupported() {
		t.Skip("no pidfd support")
	}
	exit := func(pidfd *int) int {
		attr := &syscall.ProcAttr{Sys: &syscall.SysProcAttr{PidFD: pidfd}}
		pid, err := syscall.ForkExec("/bin/true", []string{"true"}, attr)
		require.NoError(t, err)
		require.NoError(t, testutil.WaitExited(pid))
		return pid
	}
	pidfd := -1
	held := exit(&pidfd)
	require.GreaterOrEqual(t, pidfd, 0)
	defer unix.Close(pidfd)
	loose := exit(nil)
	defer func() {
		for _, pid := range []int{held, loose} {
			_, err := testutil.Reap(pid)
			assert.NoError(t, err)
		}
	}()

	dir, err := unix.Open("/proc/self/fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	require.NoError(t, err)
	defer unix.Close(dir)
	r := &orphanReaper{pidfsDev: pidfsDev(), held: map[uint64]bool{}, fdDir: dir, dents: make([]byte, 8192)}
	assert.Equal(t, []int{loose}, r.unheld([]int{held, loose}))
	assert.Empty(t, r.unheld(nil))

	r.fdDir = -1
	assert.Empty(t, r.unheld([]int{held, loose}), "without /proc/self/fd")
}
