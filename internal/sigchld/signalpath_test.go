//go:build linux

package sigchld

import (
	"github.com/childloop/childloop/internal/sysfd"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestWakeAllDoesNotAllocate guards the signal-path invariant (no lock, no allocation, never blocks) for the relay source: the
// write loop over a published snapshot allocates nothing (the raw source is
// assembly and cannot), and a full pipe neither blocks it nor starves the
// pipes after it.
func TestWakeAllDoesNotAllocate(t *testing.T) {
	var fds []int32
	var pipes []*sysfd.Waker
	for i := 0; i < 3; i++ {
		p, err := NewPipe()
		require.NoError(t, err)
		defer p.Close()
		fds = append(fds, int32(p.W))
		pipes = append(pipes, p)
	}
	// Fill the first pipe: EAGAIN must not block the others.
	buf := make([]byte, 4096)
	for {
		_, err := unix.Write(int(fds[0]), buf)
		if err == unix.EAGAIN {
			break
		}
		require.NoError(t, err)
	}
	assert.Zero(t, testing.AllocsPerRun(100, func() { wakeAll(fds) }), "wakeAll's allocations per call")
	for _, p := range pipes[1:] {
		p.Drain()
		wakeAll(fds)
		pfd := []unix.PollFd{{Fd: int32(p.R), Events: unix.POLLIN}}
		if n, err := unix.Poll(pfd, 0); assert.NoError(t, err, "poll of a pipe after the full one") {
			assert.Equal(t, 1, n, "pipe after the full one not readable after wakeAll")
		}
	}
}
