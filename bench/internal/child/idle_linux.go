package child

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// IdlePool is a set of idle /bin/cat children that all read the same pipe:
// the parent holds its two ends, so any number of idle children costs two
// fds. Release closes the write end, every cat sees EOF and exits, and
// Release reaps them all. An IdlePool is used by one goroutine.
type IdlePool struct {
	r, w int   // the shared stdin pipe; -1 once released
	pids []int // live idle children, in the order their spawns returned
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
// nil) with the pool size every 500 children. It spawns from GOMAXPROCS
// goroutines: each spawn waits for its child's exec (the dynamic loader's
// work included), and the 10000-child pool of the scale section would
// otherwise keep one core busy for several seconds while the other idles.
func (p *IdlePool) Grow(n int, progress func(have int)) error {
	if p.w < 0 {
		return errors.New("child: IdlePool used after Release")
	}
	null, err := devNull()
	if err != nil {
		return err
	}
	attr := &syscall.ProcAttr{Files: []uintptr{uintptr(p.r), uintptr(null), uintptr(null)}}
	var (
		mu       sync.Mutex // guards p.pids, started and firstErr while spawning
		started  = len(p.pids)
		firstErr error
		wg       sync.WaitGroup
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if started >= n || firstErr != nil {
					mu.Unlock()
					return
				}
				started++
				mu.Unlock()
				pid, err := syscall.ForkExec(CatPath, []string{"cat"}, attr)
				mu.Lock()
				if err != nil {
					started--
					if firstErr == nil {
						firstErr = fmt.Errorf("fork/exec idle %s (after %d): %w", CatPath, len(p.pids), err)
					}
				} else {
					p.pids = append(p.pids, pid)
					if progress != nil && len(p.pids)%500 == 0 {
						progress(len(p.pids))
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return firstErr
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
