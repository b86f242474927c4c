//go:build linux

package methods

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"golang.org/x/sys/unix"

	"github.com/childloop/childloop/bench/internal/child"
	"github.com/childloop/childloop/bench/internal/harness"
)

// The output section's Go rows other than childloop's (childloop_linux.go):
// a hand-written read loop on epoll, in the library's configuration (64 KiB
// reads from a default 64 KiB pipe) and with the pipe enlarged to 1 MiB
// (F_SETPIPE_SZ), which the library could do; exec.Cmd.Output; and
// exec.Cmd.StdoutPipe drained by io.Copy. BenchmarkRawOutput measures the
// hand-written loop over more read sizes, pipe sizes and ways to capture.

// outputRows are the output section's hand-written and os/exec rows, in
// table order.
func outputRows() []harness.Row {
	return []harness.Row{
		{Name: "read(2) loop on epoll, 64 KiB reads (hand-written)", Ref: "the hand-written loop",
			Available: child.OutputAvailable, Output: rawOutput{buf: 64 << 10}.output},
		{Name: "read(2) loop on epoll, 64 KiB reads, 1 MiB pipe (F_SETPIPE_SZ)",
			Available: child.OutputAvailable, Output: rawOutput{buf: 64 << 10, pipe: 1 << 20}.output},
		{Name: "exec.Cmd.Output", Ref: harness.RefExecOutput,
			Available: child.OutputAvailable, Output: execOutput},
		{Name: "exec.Cmd.StdoutPipe + io.Copy(io.Discard)",
			Available: child.OutputAvailable, Output: execCopy},
	}
}

// outputRuns runs the warm-up child (if any) and the measured one with
// one, which runs a child of mib MiB and returns its wall time.
func outputRuns(ctx context.Context, cfg harness.OutputConfig, one func(mib int) (time.Duration, error)) (time.Duration, error) {
	if cfg.WarmupMiB > 0 {
		if _, err := one(cfg.WarmupMiB); err != nil {
			return 0, fmt.Errorf("warm-up: %w", err)
		}
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return one(cfg.MiB)
}

// checkOutput is the common check of a finished output child.
func checkOutput(got int64, mib int, status error) error {
	if want := int64(mib) << 20; got != want {
		return errors.Join(fmt.Errorf("read %d bytes of the child's %d", got, want), status)
	}
	return status
}

// rawOutput is the hand-written loop: the parent's end of the pipe is
// non-blocking in an epoll set of its own; epoll_wait, read buf bytes at a
// time until EAGAIN, again until EOF, then wait4. pipe > 0 sets the pipe's
// capacity with F_SETPIPE_SZ (at most /proc/sys/fs/pipe-max-size, 1 MiB by
// default, for an unprivileged process).
// capture, for the benchmarks only, also keeps every byte: appended to a
// growing slice as the library does (captureAppend: append's growth,
// about 1.25× per step at these sizes), in one that doubles when full
// (captureDouble, as bytes.Buffer grows), or in one allocated at the
// child's size up front (capturePrealloc).
type rawOutput struct {
	buf, pipe int
	capture   captureMode
}

// captureMode is how a hand-written loop keeps the output, if at all.
type captureMode int

const (
	captureNone captureMode = iota
	captureAppend
	captureDouble
	capturePrealloc
)

func (r rawOutput) output(ctx context.Context, cfg harness.OutputConfig) (time.Duration, error) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return 0, os.NewSyscallError("epoll_create1", err)
	}
	defer unix.Close(ep)
	buf := make([]byte, r.buf)
	return outputRuns(ctx, cfg, func(mib int) (time.Duration, error) { return r.one(ep, buf, mib) })
}

func (r rawOutput) one(ep int, buf []byte, mib int) (time.Duration, error) {
	start := time.Now()
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return 0, os.NewSyscallError("pipe2", err)
	}
	defer unix.Close(p[0])
	if r.pipe > 0 {
		if _, err := unix.FcntlInt(uintptr(p[0]), unix.F_SETPIPE_SZ, r.pipe); err != nil {
			unix.Close(p[1])
			return 0, os.NewSyscallError("fcntl(F_SETPIPE_SZ)", err)
		}
	}
	if err := unix.SetNonblock(p[0], true); err != nil {
		unix.Close(p[1])
		return 0, os.NewSyscallError("fcntl(O_NONBLOCK)", err)
	}
	pid, err := child.SpawnOutput(mib, p[1])
	unix.Close(p[1])
	if err != nil {
		return 0, err
	}
	var keep []byte
	if r.capture == capturePrealloc {
		keep = make([]byte, 0, int64(mib)<<20)
	}
	got, keep, rerr := r.drain(ep, p[0], buf, keep)
	ws, werr := child.Reap(pid)
	d := time.Since(start)
	if err := errors.Join(rerr, werr); err != nil {
		return 0, err
	}
	var status error
	if !ws.Exited() || ws.ExitStatus() != 0 {
		status = fmt.Errorf("dd %d ended %v", pid, ws)
	}
	if r.capture != captureNone && int64(len(keep)) != got {
		status = errors.Join(status, fmt.Errorf("kept %d bytes of %d", len(keep), got))
	}
	return d, checkOutput(got, mib, status)
}

// drain reads fd to EOF through the epoll set ep, appending to keep when
// capturing.
func (r rawOutput) drain(ep, fd int, buf, keep []byte) (int64, []byte, error) {
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return 0, keep, os.NewSyscallError("epoll_ctl", err)
	}
	defer unix.EpollCtl(ep, unix.EPOLL_CTL_DEL, fd, nil)
	events := make([]unix.EpollEvent, 1)
	var got int64
	for {
		n, err := unix.Read(fd, buf)
		switch {
		case err == unix.EINTR:
		case err == unix.EAGAIN:
			if _, err := unix.EpollWait(ep, events, -1); err != nil && err != unix.EINTR {
				return got, keep, os.NewSyscallError("epoll_wait", err)
			}
		case err != nil:
			return got, keep, os.NewSyscallError("read", err)
		case n == 0:
			return got, keep, nil
		default:
			got += int64(n)
			if r.capture == captureDouble && cap(keep)-len(keep) < n {
				keep = append(make([]byte, 0, max(2*cap(keep), len(keep)+n)), keep...)
			}
			if r.capture != captureNone {
				keep = append(keep, buf[:n]...)
			}
		}
	}
}

// execCmd is the output child as an exec.Cmd: the same argv, an empty
// environment, stdin on /dev/null (nil), and stderr on /dev/null as an
// *os.File, so that Output does not add a pipe to capture it.
func execCmd(mib int, stderr *os.File) *exec.Cmd {
	cmd := exec.Command(child.OutputPath)
	cmd.Args = child.OutputArgv(mib)
	cmd.Env = []string{}
	cmd.Stderr = stderr
	return cmd
}

func execOutput(ctx context.Context, cfg harness.OutputConfig) (time.Duration, error) {
	null, err := child.OpenDevNull()
	if err != nil {
		return 0, err
	}
	defer null.Close()
	return outputRuns(ctx, cfg, func(mib int) (time.Duration, error) {
		start := time.Now()
		out, err := execCmd(mib, null).Output()
		d := time.Since(start)
		return d, checkOutput(int64(len(out)), mib, err)
	})
}

func execCopy(ctx context.Context, cfg harness.OutputConfig) (time.Duration, error) {
	null, err := child.OpenDevNull()
	if err != nil {
		return 0, err
	}
	defer null.Close()
	return outputRuns(ctx, cfg, func(mib int) (time.Duration, error) {
		start := time.Now()
		cmd := execCmd(mib, null)
		p, err := cmd.StdoutPipe()
		if err != nil {
			return 0, err
		}
		if err := cmd.Start(); err != nil {
			return 0, err
		}
		got, cerr := io.Copy(io.Discard, p)
		werr := cmd.Wait()
		d := time.Since(start)
		return d, checkOutput(got, mib, errors.Join(cerr, werr))
	})
}
