//go:build linux && (amd64 || arm64)

package spawn

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/childloop/childloop/internal/cgroup"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// UseCgroupFD keeps the fast path, which then clones with clone3: the
// child starts in the given cgroup, and a pidfd asked for at the same time
// is returned.
func TestIntoCgroup(t *testing.T) {
	needFast(t)
	own, err := cgroup.Probe()
	if err != nil || os.Geteuid() != 0 {
		t.Skipf("needs root and a cgroup2 hierarchy: %v", err)
	}
	dir := filepath.Join(own, "spawn-test."+t.Name())
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("needs a writable cgroup2 directory: %v", err)
	}
	defer os.Remove(dir)
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	require.NoError(t, err)
	defer unix.Close(fd)

	pidfd := -1
	attr := &syscall.ProcAttr{Sys: &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd, PidFD: &pidfd}}
	var out string
	var ws syscall.WaitStatus
	for _, fn := range []func(string, []string, *syscall.ProcAttr) (int, error){ForkExec, ForkExecYielding} {
		fast, slow := counted(func() {
			out, ws = run(t, fn, "/bin/cat", []string{"cat", "/proc/self/cgroup"}, attr)
		})
		assert.EqualValues(t, 1, fast, "fast path")
		assert.Zero(t, slow)
		assert.True(t, ws.Exited() && ws.ExitStatus() == 0, "status %v", ws)
		var line string
		for l := range strings.Lines(out) {
			if strings.HasPrefix(l, "0::") {
				line = strings.TrimSpace(l)
			}
		}
		assert.True(t, strings.HasSuffix(line, "/"+filepath.Base(dir)), "the child in %s, not %q", dir, line)
		require.GreaterOrEqual(t, pidfd, 0, "the pidfd")
		assert.NoError(t, unix.Close(pidfd))
		pidfd = -1
	}
}
