package exec_test

import (
	"bytes"
	"errors"
	"os"
	osexec "os/exec"
	"regexp"
	"strconv"
	"syscall"
	"testing"

	"github.com/childloop/childloop/exec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// openTerminal opens a pseudo-terminal as a program using os/exec does:
// the master, and the slave as an *os.File to give the child.
func openTerminal(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	require.NoError(t, unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0))
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	require.NoError(t, err)
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	require.NoError(t, err)
	return m, s
}

// readTerminal reads the master to its end-of-file: EIO once the slave is
// closed everywhere.
func readTerminal(t *testing.T, m *os.File) string {
	t.Helper()
	var out bytes.Buffer
	if _, err := out.ReadFrom(m); !errors.Is(err, syscall.EIO) {
		require.NoError(t, err)
	}
	return out.String()
}

// Package exec has no terminal field: a terminal is given to a Cmd as to
// an os/exec Cmd (the slave as stdio, Setsid and Setctty: what
// creack/pty's Start does), with the same result. childproc.Terminal is
// the loop-driven one.
func TestTerminalAsOSExec(t *testing.T) {
	const script = `tty >/dev/null && echo tty; ps -o sid= -p $$ | tr -d ' '; echo $$`
	m, s := openTerminal(t)
	std := osexec.Command("sh", "-c", script)
	std.Stdin, std.Stdout, std.Stderr = s, s, s
	std.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	require.NoError(t, std.Start())
	s.Close()
	want := readTerminal(t, m)
	require.NoError(t, std.Wait())

	m, s = openTerminal(t)
	ours := exec.Command("sh", "-c", script)
	ours.Stdin, ours.Stdout, ours.Stderr = s, s, s
	ours.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	require.NoError(t, ours.Start())
	s.Close()
	got := readTerminal(t, m)
	require.NoError(t, ours.Wait())

	re := regexp.MustCompile(`^tty\r\n([0-9]+)\r\n([0-9]+)\r\n$`)
	for name, out := range map[string]string{"os/exec": want, "exec": got} {
		m := re.FindStringSubmatch(out)
		if assert.NotNil(t, m, "%s: %q", name, out) {
			assert.Equal(t, m[2], m[1], "%s: the child leads its session", name)
		}
	}
}
