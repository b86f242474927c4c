package reaplat

import (
	"fmt"

	"github.com/childloop/childloop/bench/internal/harness"
)

// ptyDriver is one pty row's way of running children on terminals, set
// up once per helper process (outside the timed part) and used for one
// job.
type ptyDriver interface {
	// output runs prog with fds 0..2 on a new terminal and returns what
	// was read from the terminal once the row has the exit and the
	// terminal's end-of-file; an error if the child did not exit 0.
	output(prog harness.Program) (int64, error)
	// terminals starts n children of prog, each on a terminal of its
	// own, calls started once all of them run, then types line into each
	// and returns once every child is done. An error is a failure of the
	// driver; children that fail are counted in the fleet.
	terminals(prog harness.Program, n int, line []byte, started func()) (*ptyFleet, error)
	close()
}

// openPtyDriver sets up row's driver.
func openPtyDriver(row string) (ptyDriver, error) {
	switch row {
	case PtyChildloop:
		return openChildloopPty()
	case PtyCreack:
		return creackPty{}, nil
	case PtyFloor:
		return openFloorPty()
	}
	return nil, fmt.Errorf("no pty row %q", row)
}

// ptyFleet is what the terminals workload saw of its children.
type ptyFleet struct {
	counts []int64 // bytes read from each terminal
	failed int     // children that did not exit 0 (or whose output was cut)
	why    string  // the first such failure
}

func newPtyFleet(n int) *ptyFleet { return &ptyFleet{counts: make([]int64, n)} }

// fail counts a failed child.
func (f *ptyFleet) fail(err error) {
	if f.failed == 0 {
		f.why = err.Error()
	}
	f.failed++
}

// byteCounter is an io.Writer that counts.
type byteCounter struct{ n int64 }

func (c *byteCounter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
