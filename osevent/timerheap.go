//go:build unix

package osevent

import (
	"time"

	"github.com/childloop/childloop/hooks"
)

// timeoutState is where a PollArray timeout is in its life.
type timeoutState uint8

const (
	timeoutArmed timeoutState = iota // in the heap
	timeoutDue                       // taken out by AfterPoll, not yet delivered
	timeoutDead                      // delivered or deregistered
)

// pollTimeout is the PollArray's Registration for one timeout.
type pollTimeout struct {
	target hooks.TimeoutTarget // immutable

	deadline time.Time    // guarded by PollArray.mu
	seq      uint64       // arming order, breaks deadline ties; guarded by PollArray.mu
	state    timeoutState // guarded by PollArray.mu
	idx      int          // heap position while armed; guarded by PollArray.mu
}

// timerHeap orders armed timeouts by deadline, then by arming order, for
// container/heap (as loop's timer heap does). Its owner's mutex guards it.
type timerHeap []*pollTimeout

func (h timerHeap) Len() int { return len(h) }

func (h timerHeap) Less(i, j int) bool {
	a, b := h[i], h[j]
	if a.deadline.Equal(b.deadline) {
		return a.seq < b.seq
	}
	return a.deadline.Before(b.deadline)
}

func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx = i
	h[j].idx = j
}

// Push and Pop are for container/heap only.
func (h *timerHeap) Push(x any) {
	t := x.(*pollTimeout)
	t.idx = len(*h)
	*h = append(*h, t)
}

func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.idx = -1
	return t
}
