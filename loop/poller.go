package loop

import "github.com/childloop/childloop/hooks"

// poller is one backend: the kernel's interest set and the wait.
//
// update and prepare are called with Loop.mu held; wait and event are
// called by the loop goroutine without Loop.mu (the backend's wait buffers
// are loop-goroutine-only; poll's array is rebuilt by prepare under mu); close
// is called with Loop.mu held while the loop goroutine is not waiting.
// Loop.fds (each entry's gen and mask) is the interest set; a backend that
// keeps no kernel-side copy reads it in prepare.
type poller interface {
	// update changes the interest in fd from old to mask. A zero mask
	// means "not in the kernel set": an fd whose watchers all have empty
	// masks is not watched at all, so an unrequested Err or Hup cannot
	// make the loop spin. gen travels with every event of fd.
	update(fd int, gen uint32, old, mask hooks.Events) error
	// prepare readies the next wait; fds is Loop.fds.
	prepare(fds map[int]*fdEntry)
	// wait blocks up to timeoutMs (-1: no limit) and returns how many
	// events it collected. EINTR is reported as zero events.
	wait(timeoutMs int) (int, error)
	// event returns the i'th event of the last wait. gen is 0 for the wake fd.
	event(i int) (fd int, gen uint32, revents hooks.Events)
	// close releases the backend's fds.
	close() error
}

// reported are the bits the kernel reports without being asked.
const reported = hooks.Fault | hooks.Hup | hooks.Nval
