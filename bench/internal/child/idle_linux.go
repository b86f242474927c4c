package child

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// IdlePool is a set of idle /bin/cat children that all read the same pipe:
// the parent holds its two ends, so any number of idle children costs two
// fds. Release closes the write end, every cat sees EOF and exits, and
// Release reaps them all. An IdlePool is used by one goroutine.
type IdlePool struct {
	r, w int   // the shared stdin pipe; -1 once released
	pids []int // live idle children, in spawn order
}

// NewIdlePool creates an empty pool.
func NewIdlePool() (*IdlePool, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return nil, os.NewSyscallError("pipe2", err)
	}
	return &IdlePool{r: p[0], w: p[1]}, nil
}

// Len is the number of idle children.
func (p *IdlePool) Len() int { return len(p.pids) }

// Grow spawns children until the pool holds n, calling progress (if not
// nil) with the pool size every 500 children.
func (p *IdlePool) Grow(n int, progress func(have int)) error {
	if p.w < 0 {
		return errors.New("child: IdlePool used after Release")
	}
	null, err := devNull()
	if err != nil {
		return err
	}
	attr := &syscall.ProcAttr{Files: []uintptr{uintptr(p.r), uintptr(null), uintptr(null)}}
	for len(p.pids) < n {
		pid, err := syscall.ForkExec(CatPath, []string{"cat"}, attr)
		if err != nil {
			return fmt.Errorf("fork/exec idle %s (after %d): %w", CatPath, len(p.pids), err)
		}
		p.pids = append(p.pids, pid)
		if progress != nil && len(p.pids)%500 == 0 {
			progress(len(p.pids))
		}
	}
	return nil
}

// Release closes the shared pipe, which makes every idle child exit, and
// reaps them all. It is idempotent and returns the first error.
func (p *IdlePool) Release() error {
	closeAll(p.r, p.w)
	p.r, p.w = -1, -1
	var first error
	for _, pid := range p.pids {
		if _, err := Reap(pid); err != nil && first == nil {
			first = fmt.Errorf("reap idle child %d: %w", pid, err)
		}
	}
	p.pids = nil
	return first
}

// Pids returns the idle children's pids (shared; do not modify). A method
// that reaps only its own children adopts them to be measured next to them,
// and must hand them back (without reaping) before Release.
func (p *IdlePool) Pids() []int { return p.pids }
