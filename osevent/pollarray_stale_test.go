package osevent

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/testutil"
)

// readablePipes returns the read ends of n pipes, each with one byte in it.
func readablePipes(t *testing.T, n int) []int {
	t.Helper()
	var rs []int
	for range n {
		p := testutil.Pipe(t)
		_, err := unix.Write(p[1], []byte{1})
		require.NoError(t, err)
		rs = append(rs, p[0])
	}
	return rs
}

// newRawPollArray is a PollArray for raw registrations, closed at the end.
func newRawPollArray(t *testing.T) *PollArray {
	t.Helper()
	p, err := NewPollArray()
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	return p
}

// pollRound runs BeforePoll, a real poll, an optional edit of the results,
// and AfterPoll.
func pollRound(t *testing.T, p *PollArray, edit func(arr []unix.PollFd)) error {
	t.Helper()
	arr, _ := p.BeforePoll(nil, -1, time.Now())
	pollOnce(t, arr, 0)
	if edit != nil {
		edit(arr)
	}
	return p.AfterPoll(arr, time.Now())
}

// The PollArray's own staleness checks (stale occurrences must be harmless), with raw targets so
// that no Registry filtering hides a failure.
func TestPollArrayStaleResults(t *testing.T) {
	t.Run("nested BeforePoll voids the round", func(t *testing.T) {
		p := newRawPollArray(t)
		rs := readablePipes(t, 2)
		var got []int
		for _, fd := range rs {
			_, err := p.RegisterFD(fd, hooks.In, rawFDTarget(func(fd int, _ hooks.Events) {
				got = append(got, fd)
				p.BeforePoll(nil, -1, time.Now()) // a nested round: this one's results are gone
			}))
			require.NoError(t, err)
		}
		require.NoError(t, pollRound(t, p, nil))
		assert.Len(t, got, 1, "results of a round after a nested BeforePoll were delivered")
	})
	t.Run("entry no longer names the fd", func(t *testing.T) {
		p := newRawPollArray(t)
		rs := readablePipes(t, 2)
		called := 0
		_, err := p.RegisterFD(rs[0], hooks.In, rawFDTarget(func(int, hooks.Events) { called++ }))
		require.NoError(t, err)
		require.NoError(t, pollRound(t, p, func(arr []unix.PollFd) {
			arr[len(arr)-1].Fd = int32(rs[1]) // the application rewrote the entry
		}))
		assert.Zero(t, called, "delivered results for an entry that names another fd")
	})
	t.Run("mask emptied after BeforePoll", func(t *testing.T) {
		p := newRawPollArray(t)
		rs := readablePipes(t, 1)
		called := 0
		reg, err := p.RegisterFD(rs[0], hooks.In, rawFDTarget(func(int, hooks.Events) { called++ }))
		require.NoError(t, err)
		require.NoError(t, pollRound(t, p, func(arr []unix.PollFd) {
			_, err := p.ModifyFD(reg, rs[0], 0)
			require.NoError(t, err)
			arr[len(arr)-1].Revents |= unix.POLLHUP // Hup is reported whatever the mask
		}))
		assert.Zero(t, called, "delivered to a registration whose mask is now empty")
	})
	t.Run("wake entry moved", func(t *testing.T) {
		p := newRawPollArray(t)
		rs := readablePipes(t, 1)
		err := pollRound(t, p, func(arr []unix.PollFd) {
			arr[0].Fd = int32(rs[0]) // the library's slots are not where BeforePoll put them
		})
		assert.ErrorIs(t, err, os.ErrInvalid)
	})
}
