//go:build unix

package loop

import (
	"os"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/sysfd"
	"golang.org/x/sys/unix"
)

// pollPoller waits in poll(2). It keeps no interest set of its own: prepare
// rebuilds the pollfd array from Loop.fds when an update marked it dirty (so
// a change made by another goroutine while the loop is in poll needs a
// wake, which Loop.changedLocked does). gens, parallel to fds, records each
// fd's entry generation at the time the array was built.
type pollPoller struct {
	dirty bool // an update happened since the last prepare; guarded by Loop.mu

	fds  []unix.PollFd // fds[0] is the wake fd; rebuilt by prepare (under Loop.mu), read by the loop goroutine
	gens []uint32      // parallel to fds; like fds
	got  []int         // indexes in fds with revents after the last wait; loop goroutine only
}

// Masks convert to and from poll bits by plain conversion: the bits are
// equal (checked at compile time in internal/sysfd).

func newPollPoller(wakeFD int) (poller, error) {
	return &pollPoller{
		fds:  []unix.PollFd{{Fd: int32(wakeFD), Events: unix.POLLIN}},
		gens: []uint32{0},
	}, nil
}

func (p *pollPoller) update(fd int, _ uint32, old, mask hooks.Events) error {
	if old == 0 && mask != 0 {
		// poll reports a bad fd as Nval on every call; refuse it now.
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
			return os.NewSyscallError("fcntl", err)
		}
	}
	p.dirty = true
	return nil
}

func (p *pollPoller) prepare(fds map[int]*fdEntry) {
	if !p.dirty {
		return
	}
	p.dirty = false
	p.fds, p.gens = p.fds[:1], p.gens[:1]
	for fd, e := range fds {
		if e.mask == 0 {
			continue // not in the kernel set (see poller.update)
		}
		p.fds = append(p.fds, unix.PollFd{Fd: int32(fd), Events: int16(e.mask)})
		p.gens = append(p.gens, e.gen)
	}
}

func (p *pollPoller) wait(timeoutMs int) (int, error) {
	p.got = p.got[:0]
	n, err := unix.Poll(p.fds, timeoutMs)
	if err == unix.EINTR {
		return 0, nil
	}
	if err != nil {
		return 0, os.NewSyscallError("poll", err)
	}
	for i := 0; n > 0 && i < len(p.fds); i++ {
		if p.fds[i].Revents != 0 {
			p.got = append(p.got, i)
			n--
		}
	}
	return len(p.got), nil
}

func (p *pollPoller) event(i int) (int, uint32, hooks.Events) {
	pfd := &p.fds[p.got[i]]
	return int(pfd.Fd), p.gens[p.got[i]], hooks.Events(pfd.Revents) & (sysfd.Requestable | reported)
}

func (p *pollPoller) close() error { return nil }
