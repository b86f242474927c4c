package childproc

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// openTerminal opens a pseudo-terminal of the given size: the master
// non-blocking (the loop reads and writes it), the slave blocking (as a
// program expects of its stdio); both close-on-exec and neither the
// caller's controlling terminal. On error nothing is left open.
func openTerminal(rows, cols int) (master, slave int, err error) {
	m, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		if err == unix.ENOSPC {
			// devpts says ENOSPC when kernel.pty.max (or its max= option)
			// is reached; the bare errno reads like a full disk.
			return -1, -1, fmt.Errorf("%w (no pseudo-terminal left: kernel.pty.max, or the devpts max= option, is reached)", os.NewSyscallError("open /dev/ptmx", err))
		}
		return -1, -1, os.NewSyscallError("open /dev/ptmx", err)
	}
	fail := func(call string, err error) (int, int, error) {
		unix.Close(m)
		return -1, -1, os.NewSyscallError(call, err)
	}
	if err := unix.IoctlSetPointerInt(m, unix.TIOCSPTLCK, 0); err != nil {
		return fail("ioctl TIOCSPTLCK", err)
	}
	if err := setTerminalSize(m, rows, cols); err != nil {
		unix.Close(m)
		return -1, -1, err
	}
	s, err := openSlave(m)
	if err != nil {
		unix.Close(m)
		return -1, -1, err
	}
	return m, s, nil
}

// openSlave opens the slave of master: through the master itself
// (TIOCGPTPEER, Linux 4.13), which no path lookup can redirect, else by
// its /dev/pts path.
func openSlave(master int) (int, error) {
	const flags = unix.O_RDWR | unix.O_NOCTTY | unix.O_CLOEXEC
	s, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(master), unix.TIOCGPTPEER, flags)
	if e == 0 {
		return int(s), nil
	}
	if e != unix.EINVAL && e != unix.ENOTTY {
		return -1, os.NewSyscallError("ioctl TIOCGPTPEER", e)
	}
	n, err := unix.IoctlGetInt(master, unix.TIOCGPTN)
	if err != nil {
		return -1, os.NewSyscallError("ioctl TIOCGPTN", err)
	}
	path := "/dev/pts/" + strconv.Itoa(n)
	fd, err := unix.Open(path, flags, 0)
	if err != nil {
		return -1, os.NewSyscallError("open "+path, err)
	}
	return fd, nil
}

// setTerminalSize sets the size of the terminal fd refers to.
func setTerminalSize(fd, rows, cols int) error {
	ws := &unix.Winsize{Row: uint16(rows), Col: uint16(cols)}
	if err := unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, ws); err != nil {
		return os.NewSyscallError("ioctl TIOCSWINSZ", err)
	}
	return nil
}
