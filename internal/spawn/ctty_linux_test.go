//go:build linux && (amd64 || arm64)

package spawn

import (
	"bytes"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// openPty opens a pseudo-terminal pair: the master and the slave's path
// and fd.
func openPty(t *testing.T) (master int, slavePath string, slave int) {
	t.Helper()
	m, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	require.NoError(t, err)
	t.Cleanup(func() { unix.Close(m) })
	require.NoError(t, unix.IoctlSetPointerInt(m, unix.TIOCSPTLCK, 0))
	n, err := unix.IoctlGetInt(m, unix.TIOCGPTN)
	require.NoError(t, err)
	slavePath = "/dev/pts/" + strconv.Itoa(n)
	s, err := unix.Open(slavePath, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	require.NoError(t, err)
	t.Cleanup(func() { unix.Close(s) })
	return m, slavePath, s
}

// A child spawned with Setsid and Setctty has the terminal on fd Ctty as
// its controlling terminal, on the fast path as with syscall.ForkExec:
// `tty` names it, and opening /dev/tty succeeds.
func TestSetctty(t *testing.T) {
	needFast(t)
	for _, tc := range []struct {
		name string
		fn   func(string, []string, *syscall.ProcAttr) (int, error)
	}{{"ForkExec", ForkExec}, {"syscall.ForkExec", syscall.ForkExec}} {
		t.Run(tc.name, func(t *testing.T) {
			m, path, s := openPty(t)
			attr := &syscall.ProcAttr{
				Env:   []string{"PATH=/usr/bin:/bin"},
				Files: []uintptr{uintptr(s), uintptr(s), uintptr(s)},
				Sys:   &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0},
			}
			var pid int
			var err error
			fast, _ := counted(func() {
				pid, err = tc.fn("/bin/sh", []string{"sh", "-c", "tty; exec 3</dev/tty && echo ctty-ok"}, attr)
			})
			require.NoError(t, err)
			if tc.name == "ForkExec" {
				assert.EqualValues(t, 1, fast, "fast path not taken")
			}
			var ws syscall.WaitStatus
			_, err = syscall.Wait4(pid, &ws, 0, nil)
			require.NoError(t, err)
			assert.True(t, ws.Exited() && ws.ExitStatus() == 0, "status %v", ws)
			out := readPty(t, m)
			assert.Contains(t, out, path, "tty's answer")
			assert.Contains(t, out, "ctty-ok", "/dev/tty opened")
		})
	}
}

// Setctty without a new session fails in the child's ioctl with the
// errno syscall.ForkExec gives (EPERM: the caller's session already has
// its terminal, or is not the child's), and a Ctty that is not a child fd
// is refused before anything starts.
func TestSetcttyErrors(t *testing.T) {
	needFast(t)
	_, _, s := openPty(t)
	attr := &syscall.ProcAttr{Files: []uintptr{uintptr(s), uintptr(s), uintptr(s)},
		Sys: &syscall.SysProcAttr{Setctty: true, Ctty: 0}}
	_, fastErr := ForkExec("/bin/true", []string{"true"}, attr)
	_, slowErr := syscall.ForkExec("/bin/true", []string{"true"}, attr)
	require.Error(t, slowErr)
	var fe, se syscall.Errno
	require.ErrorAs(t, fastErr, &fe)
	require.ErrorAs(t, slowErr, &se)
	assert.Equal(t, se, fe, "errno")
	assert.Contains(t, fastErr.Error(), "ioctl")

	attr.Sys = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 3}
	_, err := ForkExec("/bin/true", []string{"true"}, attr)
	assert.ErrorIs(t, err, errCtty)
	_, err = syscall.ForkExec("/bin/true", []string{"true"}, attr)
	assert.Error(t, err, "syscall.ForkExec refuses it too")
}

// readPty reads what the master has until it is quiet for a moment (the
// child has exited; the slave stays open in this process, so no EIO).
func readPty(t *testing.T, m int) string {
	t.Helper()
	require.NoError(t, unix.SetNonblock(m, true))
	var out bytes.Buffer
	buf := make([]byte, 4096)
	deadline := time.Now().Add(10 * time.Second)
	quiet := 0
	for time.Now().Before(deadline) && quiet < 20 {
		n, err := unix.Read(m, buf)
		if n > 0 {
			out.Write(buf[:n])
			quiet = 0
			continue
		}
		if err != nil && err != unix.EAGAIN {
			break
		}
		quiet++
		time.Sleep(5 * time.Millisecond)
	}
	return out.String()
}
