package reaplat

import (
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/childloop/childloop/bench/internal/harness"
)

// floorPty is the floor: what the library does, by hand, on one goroutine
// and one epoll set. /dev/ptmx opened non-blocking, unlocked, sized, its
// slave opened by its /dev/pts path; the child started by
// syscall.ForkExec in a new session with the slave as fds 0..2 and as its
// controlling terminal, with a pidfd. The parent keeps its slave fd until
// the child is reaped, so that the master's EIO (no process holds the
// slave) cannot come before the child's last byte is read; it reads the
// master until that EIO.
type floorPty struct {
	ep     int
	buf    []byte
	events []unix.EpollEvent
}

func openFloorPty() (ptyDriver, error) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	return &floorPty{ep: ep, buf: make([]byte, 64<<10), events: make([]unix.EpollEvent, 256)}, nil
}

func (d *floorPty) close() { unix.Close(d.ep) }

// floorTerm is one child on a terminal of the floor's. An fd is -1 once
// closed.
type floorTerm struct {
	master, slave, pidfd, pid int
	got                       int64
	status                    unix.WaitStatus // once reaped (pidfd -1)
}

// The epoll data of a term's two fds: its index times two, plus one for
// the pidfd.
const floorPidfd = 1

// floorOpen opens a terminal: the master non-blocking, both ends
// close-on-exec and neither this process's controlling terminal.
func floorOpen() (master, slave int, err error) {
	m, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return -1, -1, os.NewSyscallError("open /dev/ptmx", err)
	}
	fail := func(call string, err error) (int, int, error) {
		unix.Close(m)
		return -1, -1, os.NewSyscallError(call, err)
	}
	if err := unix.IoctlSetPointerInt(m, unix.TIOCSPTLCK, 0); err != nil {
		return fail("ioctl TIOCSPTLCK", err)
	}
	if err := unix.IoctlSetWinsize(m, unix.TIOCSWINSZ, &unix.Winsize{Row: ptyRows, Col: ptyCols}); err != nil {
		return fail("ioctl TIOCSWINSZ", err)
	}
	n, err := unix.IoctlGetInt(m, unix.TIOCGPTN)
	if err != nil {
		return fail("ioctl TIOCGPTN", err)
	}
	s, err := unix.Open("/dev/pts/"+strconv.Itoa(n), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fail("open /dev/pts/"+strconv.Itoa(n), err)
	}
	return m, s, nil
}

// start runs prog on a new terminal as term i and adds the terminal's
// master and the child's pidfd to the epoll set.
func (d *floorPty) start(prog harness.Program, i int) (*floorTerm, error) {
	m, s, err := floorOpen()
	if err != nil {
		return nil, err
	}
	pidfd := -1
	attr := &syscall.ProcAttr{Env: []string{}, Files: []uintptr{uintptr(s), uintptr(s), uintptr(s)},
		Sys: &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0, PidFD: &pidfd}}
	pid, err := syscall.ForkExec(prog.Path, prog.Args, attr)
	if err != nil {
		unix.Close(m)
		unix.Close(s)
		return nil, fmt.Errorf("fork/exec %s: %w", prog.Path, err)
	}
	t := &floorTerm{master: m, slave: s, pidfd: pidfd, pid: pid}
	for k, fd := range []int{m, pidfd} {
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(2*i + k)}
		if err := unix.EpollCtl(d.ep, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
			d.abort([]*floorTerm{t})
			return nil, os.NewSyscallError("epoll_ctl", err)
		}
	}
	return t, nil
}

// forget takes fd out of the epoll set and closes it.
func (d *floorPty) forget(fd *int) {
	_ = unix.EpollCtl(d.ep, unix.EPOLL_CTL_DEL, *fd, nil)
	unix.Close(*fd)
	*fd = -1
}

// reap reaps t's exited child, then lets go of its slave: from now on the
// master reads what is left and then EIO.
func (d *floorPty) reap(t *floorTerm) error {
	for {
		_, err := unix.Wait4(t.pid, &t.status, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("wait4", err)
		}
		break
	}
	d.forget(&t.pidfd)
	unix.Close(t.slave)
	t.slave = -1
	return nil
}

// drain reads t's master until EAGAIN, or EIO (then closes it).
func (d *floorPty) drain(t *floorTerm) error {
	for {
		n, err := unix.Read(t.master, d.buf)
		switch {
		case err == unix.EINTR:
		case err == unix.EAGAIN:
			return nil
		case err == unix.EIO || err == nil && n == 0:
			d.forget(&t.master)
			return nil
		case err != nil:
			return os.NewSyscallError("read", err)
		default:
			t.got += int64(n)
		}
	}
}

// run waits on the epoll set until every term's child is reaped and its
// master at end-of-file.
func (d *floorPty) run(terms []*floorTerm) error {
	left := len(terms)
	for left > 0 {
		n, err := unix.EpollWait(d.ep, d.events, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("epoll_wait", err)
		}
		for _, ev := range d.events[:n] {
			t := terms[ev.Fd/2]
			if ev.Fd%2 == floorPidfd {
				if err := d.reap(t); err != nil {
					return err
				}
				continue
			}
			if err := d.drain(t); err != nil {
				return err
			}
			if t.master < 0 {
				left--
			}
		}
	}
	return nil
}

// abort kills and reaps the children of terms still running and closes
// every fd left.
func (d *floorPty) abort(terms []*floorTerm) {
	for _, t := range terms {
		if t.pidfd >= 0 {
			_ = unix.Kill(t.pid, unix.SIGKILL)
			_ = d.reap(t)
		}
		if t.master >= 0 {
			d.forget(&t.master)
		}
	}
}

// statusErr says how t's child failed, if it did.
func (t *floorTerm) statusErr(prog harness.Program) error {
	if !t.status.Exited() || t.status.ExitStatus() != 0 {
		return fmt.Errorf("%s %d ended %v", prog.Path, t.pid, t.status)
	}
	return nil
}

func (d *floorPty) output(prog harness.Program) (int64, error) {
	t, err := d.start(prog, 0)
	if err != nil {
		return 0, err
	}
	terms := []*floorTerm{t}
	if err := d.run(terms); err != nil {
		d.abort(terms)
		return t.got, err
	}
	return t.got, t.statusErr(prog)
}

func (d *floorPty) terminals(prog harness.Program, n int, line []byte, started func()) (*ptyFleet, error) {
	f := newPtyFleet(n)
	terms := make([]*floorTerm, 0, n)
	for i := range n {
		t, err := d.start(prog, i)
		if err != nil {
			d.abort(terms)
			return f, err
		}
		terms = append(terms, t)
	}
	started()
	for _, t := range terms {
		k, err := unix.Write(t.master, line)
		if err == nil && k != len(line) {
			err = fmt.Errorf("typed %d bytes of %d", k, len(line))
		}
		if err != nil {
			d.abort(terms)
			return f, os.NewSyscallError("write", err)
		}
	}
	if err := d.run(terms); err != nil {
		d.abort(terms)
		return f, err
	}
	for i, t := range terms {
		f.counts[i] = t.got
		if err := t.statusErr(prog); err != nil {
			f.fail(err)
		}
	}
	return f, nil
}
