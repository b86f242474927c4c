package rawsig

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// State shared with the signal handler. The handler reads these words
// directly (handler_linux_*.s); Go code accesses them only atomically.
var (
	// current is the address of element 0 of the live snapshot array
	// {n, fd0, …, fdn-1}, or 0 for "no fds". Written by Publish (under
	// pubMu); read by the handler, which cannot follow a Go pointer's write
	// barrier rules anyway. live and retired keep the arrays reachable.
	current uintptr

	// epoch selects the active counter new handler invocations increment
	// (epoch&1). Written only by Quiesce under quiesceMu; read by the
	// handler.
	epoch uint32

	// active counts handler invocations between their increment (before
	// they load current) and their decrement (after their last write).
	// Modified by the handler; read by Publish and Quiesce.
	active [2]uintptr
)

// retiredSnapshot is a replaced snapshot that a handler may still be reading.
type retiredSnapshot struct {
	seq uint64  // value of pubSeq when it was replaced
	buf []int32 // the array current pointed to
}

var (
	pubMu sync.Mutex // guards live, retired, pubSeq

	// live is the array current points to (nil when current is 0). Owned by
	// pubMu; it keeps the array reachable for the garbage collector.
	live []int32

	// retired holds replaced arrays, oldest first, until a grace period
	// proves that no handler can still be reading them. Owned by pubMu.
	retired []retiredSnapshot

	// pubSeq counts Publish calls. Owned by pubMu.
	pubSeq uint64

	// quiesceMu serializes grace periods (the epoch flips).
	quiesceMu sync.Mutex
)

// Publish makes fds the set the handler writes to, replacing the previous
// set. It copies fds; the caller may reuse the slice. An fd may appear more
// than once (it then gets one byte per occurrence). Every fd must be open and
// non-blocking (O_NONBLOCK) and should be the write end of a pipe whose read
// end stays open while the fd is published: on a pipe without readers the
// write raises SIGPIPE, which the Go runtime ignores for such fds unless the
// program Notifies SIGPIPE. Publish(nil) empties the set.
//
// An fd removed by Publish may still receive one byte from a handler that
// started earlier; call [Quiesce] before closing it.
//
// Publish does not require the handler to be installed.
func Publish(fds []int32) error {
	for _, fd := range fds {
		if fd < 0 {
			return fmt.Errorf("%w: %d", ErrInvalidFD, fd)
		}
		if err := checkFD(fd); err != nil {
			return err
		}
	}
	var buf []int32
	var addr uintptr
	if len(fds) > 0 {
		buf = make([]int32, len(fds)+1)
		buf[0] = int32(len(fds))
		copy(buf[1:], fds)
		addr = uintptr(unsafe.Pointer(&buf[0]))
	}

	pubMu.Lock()
	defer pubMu.Unlock()
	pubSeq++
	if live != nil {
		retired = append(retired, retiredSnapshot{seq: pubSeq, buf: live})
	}
	atomic.StoreUintptr(&current, addr) // sequentially consistent: ordered before the loads below
	live = buf
	// Opportunistic reclaim. A handler still using a replaced array loaded
	// it before the store above and incremented its counter before that
	// load, so it keeps its counter non-zero until it is done with it.
	if atomic.LoadUintptr(&active[0]) == 0 && atomic.LoadUintptr(&active[1]) == 0 {
		retired = nil
	}
	return nil
}

// Quiesce waits until no handler invocation that could have loaded a snapshot
// older than the one published most recently before the call is still
// running. After Publish(newSet); Quiesce(), an fd that is not in newSet will
// receive no further byte from the handler and may be closed.
//
// Quiesce never blocks the signal path; it yields and sleeps while it waits,
// normally for a few microseconds. Safe for concurrent use with Publish and
// other Quiesce calls. It does not require the handler to be installed.
func Quiesce() {
	pubMu.Lock()
	upTo := pubSeq
	pubMu.Unlock()

	quiesceMu.Lock()
	e := atomic.LoadUint32(&epoch) & 1
	atomic.StoreUint32(&epoch, e^1) // new invocations count in active[e^1]
	waitIdle(&active[e])
	atomic.StoreUint32(&epoch, e) // and now in active[e] again
	waitIdle(&active[e^1])
	quiesceMu.Unlock()

	pubMu.Lock()
	i := 0
	for i < len(retired) && retired[i].seq <= upTo {
		i++
	}
	if i > 0 {
		retired = append([]retiredSnapshot(nil), retired[i:]...)
	}
	pubMu.Unlock()
}

// waitIdle waits until *c is zero. Handlers run for microseconds and never
// block, so a short spin of yields covers almost every case.
func waitIdle(c *uintptr) {
	for i := 0; atomic.LoadUintptr(c) != 0; i++ {
		if i < 50 {
			runtime.Gosched()
		} else {
			time.Sleep(20 * time.Microsecond)
		}
	}
}
