package sigchld

import (
	"os"
	"os/signal"
	"runtime"
	"sync/atomic"
	"syscall"

	"github.com/childloop/childloop/internal/knob"
	"golang.org/x/sys/unix"
)

// relay is the portable signal source: signal.Notify delivers SIGCHLD to a
// goroutine, which writes the wake-up bytes. The goroutine exists only while
// some context needs SIGCHLD and is stopped (and waited for) by stop.
type relay struct {
	ch       chan os.Signal          // Notify target; immutable after start
	done     chan struct{}           // closed by stop
	exited   chan struct{}           // closed by the goroutine on exit
	targets  atomic.Pointer[[]int32] // published write ends; replaced whole
	inflight atomic.Int32            // >0 while the goroutine writes from a loaded snapshot
}

func newRelay() *relay { return &relay{} }

func (r *relay) kind() knob.Source { return knob.SourceRelay }

func (r *relay) start() error {
	r.ch = make(chan os.Signal, 1)
	r.done = make(chan struct{})
	r.exited = make(chan struct{})
	signal.Notify(r.ch, syscall.SIGCHLD)
	go r.run()
	return nil
}

func (r *relay) run() {
	defer close(r.exited)
	for {
		select {
		case <-r.ch:
			r.inflight.Add(1)
			if t := r.targets.Load(); t != nil {
				wakeAll(*t)
			}
			r.inflight.Add(-1)
		case <-r.done:
			return
		}
	}
}

func (r *relay) publish(w []int32) error { r.targets.Store(&w); return nil }

func (r *relay) quiesce() {
	for r.inflight.Load() != 0 {
		runtime.Gosched()
	}
}

func (r *relay) stop() error {
	signal.Stop(r.ch)
	close(r.done)
	<-r.exited
	return nil
}

// wakeByte is what every wake-up writes; a global so writes never allocate.
var wakeByte = [1]byte{'!'}

// wakeAll writes one byte to each fd, ignoring EAGAIN (a wake-up is already
// pending) and every other error (the reader will notice a dead pipe).
func wakeAll(fds []int32) {
	for _, fd := range fds {
		for {
			_, err := unix.Write(int(fd), wakeByte[:])
			if err != unix.EINTR {
				break
			}
		}
	}
}
