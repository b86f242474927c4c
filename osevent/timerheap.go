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

// timerHeap is a binary min-heap of armed timeouts ordered by deadline,
// then by arming order. Its owner's mutex guards it.
type timerHeap []*pollTimeout

func (h timerHeap) less(i, j int) bool {
	a, b := h[i], h[j]
	if a.deadline.Equal(b.deadline) {
		return a.seq < b.seq
	}
	return a.deadline.Before(b.deadline)
}

func (h timerHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx = i
	h[j].idx = j
}

func (h timerHeap) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !h.less(i, parent) {
			return
		}
		h.swap(i, parent)
		i = parent
	}
}

func (h timerHeap) down(i int) {
	for {
		least := i
		if l := 2*i + 1; l < len(h) && h.less(l, least) {
			least = l
		}
		if r := 2*i + 2; r < len(h) && h.less(r, least) {
			least = r
		}
		if least == i {
			return
		}
		h.swap(i, least)
		i = least
	}
}

// push adds t.
func (h *timerHeap) push(t *pollTimeout) {
	t.idx = len(*h)
	*h = append(*h, t)
	h.up(t.idx)
}

// remove takes out the timeout at position i and returns it.
func (h *timerHeap) remove(i int) *pollTimeout {
	old := *h
	last := len(old) - 1
	t := old[i]
	if i != last {
		old.swap(i, last)
	}
	old[last] = nil
	*h = old[:last]
	if i != last {
		h.down(i)
		h.up(i)
	}
	t.idx = -1
	return t
}

// fix restores the order after the deadline at position i changed.
func (h timerHeap) fix(i int) {
	h.down(i)
	h.up(i)
}
