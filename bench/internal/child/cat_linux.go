package child

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// CatPath is the child program for latency runs, and TruePath the
// dynamically linked one of throughput runs.
const (
	CatPath  = "/bin/cat"
	TruePath = "/bin/true"
)

// devNull is a shared O_CLOEXEC fd of /dev/null, opened once and never
// closed: the children's stderr (and idle children's stdout).
var devNull = sync.OnceValues(func() (int, error) {
	fd, err := unix.Open("/dev/null", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, os.NewSyscallError("open /dev/null", err)
	}
	return fd, nil
})

// Cat is a running /bin/cat whose stdin and stdout are pipes held by the
// caller. Fields are immutable after SpawnCat except the fds, which the
// methods set to -1 once closed. A Cat is used by one goroutine at a time.
type Cat struct {
	Pid   int
	PidFD int // pidfd from clone (SysProcAttr.PidFD), or -1
	stdin int // write end of the child's stdin, or -1 once closed
	out   int // read end of the child's stdout, or -1 once closed
}

// SpawnCat starts /bin/cat (argv {"cat"}) with stdin and stdout pipes,
// stderr on /dev/null and an empty environment (syscall.ForkExec with a nil
// Env). With wantPidFD the child's pidfd is returned in PidFD.
func SpawnCat(wantPidFD bool) (*Cat, error) {
	null, err := devNull()
	if err != nil {
		return nil, err
	}
	in, out, err := catPipes()
	if err != nil {
		return nil, err
	}
	pidfd := -1
	attr := &syscall.ProcAttr{
		Files: []uintptr{uintptr(in[0]), uintptr(out[1]), uintptr(null)},
		Sys:   &syscall.SysProcAttr{},
	}
	if wantPidFD {
		attr.Sys.PidFD = &pidfd
	}
	pid, err := syscall.ForkExec(CatPath, []string{"cat"}, attr)
	closeAll(in[0], out[1])
	if err != nil {
		closeAll(in[1], out[0])
		return nil, fmt.Errorf("fork/exec %s: %w", CatPath, err)
	}
	return &Cat{Pid: pid, PidFD: pidfd, stdin: in[1], out: out[0]}, nil
}

// Handshake writes one byte to the child's stdin and reads it back from
// its stdout: afterwards the child has exec'd and is blocked in read(0).
func (c *Cat) Handshake() error {
	if _, err := unix.Write(c.stdin, []byte{'x'}); err != nil {
		return os.NewSyscallError("write", err)
	}
	var b [1]byte
	for {
		n, err := unix.Read(c.out, b[:])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return os.NewSyscallError("read", err)
		}
		if n != 1 {
			return fmt.Errorf("cat %d: stdout closed during handshake", c.Pid)
		}
		return nil
	}
}

// CloseStdin records t0 and closes the child's stdin, which makes cat
// exit. It returns t0.
func (c *Cat) CloseStdin() time.Time {
	t0 := time.Now()
	unix.Close(c.stdin)
	c.stdin = -1
	return t0
}

// Close releases the parent's remaining fds (stdin if still open, stdout,
// and the pidfd). It does not reap the child.
func (c *Cat) Close() {
	closeAll(c.stdin, c.out, c.PidFD)
	c.stdin, c.out, c.PidFD = -1, -1, -1
}

// SpawnNull starts path with argv (argv[0] the program's name), all three
// standard fds on /dev/null and an empty environment: the throughput
// section's children (TruePath, or the static true). It optionally returns
// the child's pidfd (or -1).
func SpawnNull(path string, argv []string, wantPidFD bool) (pid, pidfd int, err error) {
	null, err := devNull()
	if err != nil {
		return 0, -1, err
	}
	pidfd = -1
	attr := &syscall.ProcAttr{
		Files: []uintptr{uintptr(null), uintptr(null), uintptr(null)},
		Sys:   &syscall.SysProcAttr{},
	}
	if wantPidFD {
		attr.Sys.PidFD = &pidfd
	}
	pid, err = syscall.ForkExec(path, argv, attr)
	if err != nil {
		return 0, -1, fmt.Errorf("fork/exec %s: %w", path, err)
	}
	return pid, pidfd, nil
}

// Reap waits (blocking) for pid with wait4 and returns its status.
func Reap(pid int) (unix.WaitStatus, error) {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return ws, os.NewSyscallError("wait4", err)
		}
		return ws, nil
	}
}

// catPipes creates a cat's stdin and stdout pipes, both O_CLOEXEC: the
// child's ends are in[0] and out[1], the parent's in[1] and out[0].
func catPipes() (in, out [2]int, err error) {
	if err := unix.Pipe2(in[:], unix.O_CLOEXEC); err != nil {
		return in, out, os.NewSyscallError("pipe2", err)
	}
	if err := unix.Pipe2(out[:], unix.O_CLOEXEC); err != nil {
		closeAll(in[0], in[1])
		return in, out, os.NewSyscallError("pipe2", err)
	}
	return in, out, nil
}

// closeAll closes every fd that is not negative.
func closeAll(fds ...int) {
	for _, fd := range fds {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
}

// SpawnCatWith starts /bin/cat like SpawnCat, but through spawn, which gets
// the child's stdin and stdout as files and returns the pid (for os/exec or
// a library that forks itself). spawn must start CatPath with argv {"cat"},
// an empty environment and stderr on /dev/null, as SpawnCat does; it must
// not keep the files, which are closed when it returns. PidFD is -1.
func SpawnCatWith(spawn func(stdin, stdout *os.File) (int, error)) (*Cat, error) {
	in, out, err := catPipes()
	if err != nil {
		return nil, err
	}
	stdin := os.NewFile(uintptr(in[0]), "cat-stdin")
	stdout := os.NewFile(uintptr(out[1]), "cat-stdout")
	pid, err := spawn(stdin, stdout)
	stdin.Close()
	stdout.Close()
	if err != nil {
		closeAll(in[1], out[0])
		return nil, err
	}
	return &Cat{Pid: pid, PidFD: -1, stdin: in[1], out: out[0]}, nil
}
