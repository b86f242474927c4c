//go:build unix

package loop

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/childloop/childloop/hooks"
)

// pollPoller waits in poll(2). The interest set lives in a map; prepare
// rebuilds the pollfd array from it when it changed (so a change made by
// another goroutine while the loop is in poll needs a wake, which
// Loop.changedLocked does). gens, parallel to fds, records each fd's entry
// generation at the time the array was built.
type pollPoller struct {
	interest map[int]pollInterest // guarded by Loop.mu
	dirty    bool                 // interest changed since the last prepare; guarded by Loop.mu

	fds  []unix.PollFd // fds[0] is the wake fd; rebuilt by prepare (under Loop.mu), read by the loop goroutine
	gens []uint32      // parallel to fds; like fds
	got  []int         // indexes in fds with revents after the last wait; loop goroutine only
}

type pollInterest struct {
	gen  uint32
	mask hooks.Events
}

// pollEvents sets pfd's requested events from m. The poll bits equal the
// hooks.Events bits on Linux, Darwin and the BSDs but not everywhere (AIX),
// and the field's type varies, hence the untyped constants.
func pollEvents(pfd *unix.PollFd, m hooks.Events) {
	pfd.Events = 0
	if m&hooks.In != 0 {
		pfd.Events |= unix.POLLIN
	}
	if m&hooks.Pri != 0 {
		pfd.Events |= unix.POLLPRI
	}
	if m&hooks.Out != 0 {
		pfd.Events |= unix.POLLOUT
	}
}

// pollRevents converts pfd's returned events.
func pollRevents(pfd *unix.PollFd) hooks.Events {
	r := pfd.Revents
	var ev hooks.Events
	if r&unix.POLLIN != 0 {
		ev |= hooks.In
	}
	if r&unix.POLLPRI != 0 {
		ev |= hooks.Pri
	}
	if r&unix.POLLOUT != 0 {
		ev |= hooks.Out
	}
	if r&unix.POLLERR != 0 {
		ev |= hooks.Err
	}
	if r&unix.POLLHUP != 0 {
		ev |= hooks.Hup
	}
	if r&unix.POLLNVAL != 0 {
		ev |= hooks.Nval
	}
	return ev
}

func newPollPoller(wakeFD int) (poller, error) {
	return &pollPoller{
		interest: make(map[int]pollInterest),
		fds:      []unix.PollFd{{Fd: int32(wakeFD), Events: unix.POLLIN}},
		gens:     []uint32{0},
	}, nil
}

func (p *pollPoller) update(fd int, gen uint32, old, mask hooks.Events) error {
	if old == 0 && mask != 0 {
		// poll reports a bad fd as Nval on every call; refuse it now.
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
			return os.NewSyscallError("fcntl", err)
		}
	}
	if mask == 0 {
		delete(p.interest, fd)
	} else {
		p.interest[fd] = pollInterest{gen, mask}
	}
	p.dirty = true
	return nil
}

func (p *pollPoller) prepare() {
	if !p.dirty {
		return
	}
	p.dirty = false
	p.fds, p.gens = p.fds[:1], p.gens[:1]
	for fd, in := range p.interest {
		pfd := unix.PollFd{Fd: int32(fd)}
		pollEvents(&pfd, in.mask)
		p.fds = append(p.fds, pfd)
		p.gens = append(p.gens, in.gen)
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
	j := p.got[i]
	return int(p.fds[j].Fd), p.gens[j], pollRevents(&p.fds[j])
}

func (p *pollPoller) close() error { return nil }
