//go:build linux

package loop

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/sysfd"
)

// epollPoller waits in epoll_wait. Each registered fd carries its entry
// generation in the event's data word (Fd, Pad), so an event collected for
// an fd that was deregistered and registered again (possibly a new file
// with the same number) before the loop looked at it is recognised as stale.
type epollPoller struct {
	epfd   int               // guarded by Loop.mu; -1 after close
	events []unix.EpollEvent // loop goroutine only
	full   bool              // the last wait filled events; loop goroutine only
}

// Bounds of the epoll_wait buffer, which doubles while waits fill it.
const (
	minEpollEvents = 64
	maxEpollEvents = 4096
)

// The poll bits that hooks.Events uses are the EPOLL bits of the same names.
const (
	_ = uint32(unix.EPOLLIN - uint32(hooks.In))
	_ = uint32(uint32(hooks.In) - unix.EPOLLIN)
	_ = uint32(unix.EPOLLPRI - uint32(hooks.Pri))
	_ = uint32(uint32(hooks.Pri) - unix.EPOLLPRI)
	_ = uint32(unix.EPOLLOUT - uint32(hooks.Out))
	_ = uint32(uint32(hooks.Out) - unix.EPOLLOUT)
	_ = uint32(unix.EPOLLERR - uint32(hooks.Fault))
	_ = uint32(uint32(hooks.Fault) - unix.EPOLLERR)
	_ = uint32(unix.EPOLLHUP - uint32(hooks.Hup))
	_ = uint32(uint32(hooks.Hup) - unix.EPOLLHUP)
)

const defaultBackend = backendEpoll

func newEpollPoller(wakeFD int) (poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	p := &epollPoller{epfd: epfd, events: make([]unix.EpollEvent, minEpollEvents)}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wakeFD)} // Pad (gen) 0: the wake fd
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakeFD, &ev); err != nil {
		unix.Close(epfd)
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	return p, nil
}

func (p *epollPoller) update(fd int, gen uint32, old, mask hooks.Events) error {
	op := unix.EPOLL_CTL_MOD
	switch {
	case old == 0:
		op = unix.EPOLL_CTL_ADD
	case mask == 0:
		op = unix.EPOLL_CTL_DEL
	}
	ev := unix.EpollEvent{Events: uint32(mask), Fd: int32(fd), Pad: int32(gen)}
	err := unix.EpollCtl(p.epfd, op, fd, &ev)
	if op == unix.EPOLL_CTL_DEL && (err == unix.EBADF || err == unix.ENOENT) {
		err = nil // closed before it was deregistered: the kernel dropped it already
	}
	if err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

func (p *epollPoller) prepare(map[int]*fdEntry) {}

func (p *epollPoller) wait(timeoutMs int) (int, error) {
	if p.full && len(p.events) < maxEpollEvents {
		p.events = make([]unix.EpollEvent, 2*len(p.events))
	}
	n, err := unix.EpollWait(p.epfd, p.events, timeoutMs)
	if err == unix.EINTR {
		return 0, nil
	}
	if err != nil {
		return 0, os.NewSyscallError("epoll_wait", err)
	}
	p.full = n == len(p.events)
	return n, nil
}

func (p *epollPoller) event(i int) (int, uint32, hooks.Events) {
	ev := &p.events[i]
	return int(ev.Fd), uint32(ev.Pad), hooks.Events(ev.Events) & (sysfd.Requestable | reported)
}

func (p *epollPoller) close() error {
	if p.epfd < 0 {
		return nil
	}
	err := unix.Close(p.epfd)
	p.epfd = -1
	if err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}
