package childproc

import (
	"github.com/childloop/childloop/internal/sysfd"
	"golang.org/x/sys/unix"
)

// selfPipe is one context's SIGCHLD pipe: the signal source writes to w, the
// context's loop registration reads r. Both ends are non-blocking and
// close-on-exec from creation. Fields are immutable until close, which only
// the owning context calls, after removePipe.
type selfPipe struct {
	r, w int
}

func newSelfPipe() (*selfPipe, error) {
	r, w, err := sysfd.Pipe(true)
	if err != nil {
		return nil, err
	}
	return &selfPipe{r: r, w: w}, nil
}

// drain empties the read end. A read that returns less than the buffer
// has emptied the pipe at that instant; a byte written after it stays and
// causes another wake-up, so no second read (EAGAIN) is needed to be sure.
func (p *selfPipe) drain() {
	var buf [128]byte
	for {
		n, err := unix.Read(p.r, buf[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil || n < len(buf) {
			return
		}
	}
}

// kick writes one wake-up byte, as the signal source would.
func (p *selfPipe) kick() { _, _ = unix.Write(p.w, wakeByte[:]) }

func (p *selfPipe) close() {
	if p.r >= 0 {
		unix.Close(p.r)
		p.r = -1
	}
	if p.w >= 0 {
		unix.Close(p.w)
		p.w = -1
	}
}
