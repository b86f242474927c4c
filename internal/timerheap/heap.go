// Package timerheap orders timers by deadline, ties broken by the order in
// which they were armed: the one heap the reference loop and osevent's
// PollArray share. It does no locking; each owner guards its heap and
// timers with its own mutex.
package timerheap

import "time"

// Timer is the heap's part of a timer; its owner embeds it.
type Timer struct {
	deadline time.Time
	seq      uint64 // arming order
	pos      int    // index in the heap + 1; 0 while not in one
}

// Deadline returns the deadline the timer was last armed with.
func (t *Timer) Deadline() time.Time { return t.deadline }

// Armed reports whether the timer is in a heap.
func (t *Timer) Armed() bool { return t.pos > 0 }

// First reports whether the timer is the earliest of its heap.
func (t *Timer) First() bool { return t.pos == 1 }

// Heap is a min-heap of owner values T, each holding a Timer that of
// returns. The zero Heap is not usable: make one with New.
type Heap[T any] struct {
	items []T
	of    func(T) *Timer
	seq   uint64
}

// New returns an empty heap of values whose Timer of returns.
func New[T any](of func(T) *Timer) Heap[T] { return Heap[T]{of: of} }

// Len returns how many timers are armed.
func (h *Heap[T]) Len() int { return len(h.items) }

// Arm arms x for deadline, or moves its deadline if x is armed already; it
// then comes after every timer armed earlier with the same deadline.
func (h *Heap[T]) Arm(x T, deadline time.Time) {
	t := h.of(x)
	h.seq++
	t.deadline, t.seq = deadline, h.seq
	if t.pos == 0 {
		h.items = append(h.items, x)
		t.pos = len(h.items)
		h.up(t.pos - 1)
		return
	}
	if !h.down(t.pos - 1) {
		h.up(t.pos - 1)
	}
}

// Remove disarms x; it does nothing if x is not armed.
func (h *Heap[T]) Remove(x T) {
	t := h.of(x)
	if t.pos == 0 {
		return
	}
	i, last := t.pos-1, len(h.items)-1
	if i != last {
		h.swap(i, last)
	}
	h.pop()
	if i != last && !h.down(i) {
		h.up(i)
	}
}

// Next returns the earliest deadline and true, or false when nothing is
// armed.
func (h *Heap[T]) Next() (time.Time, bool) {
	if len(h.items) == 0 {
		return time.Time{}, false
	}
	return h.of(h.items[0]).deadline, true
}

// PopDue takes out and returns the earliest timer if its deadline is not
// after now.
func (h *Heap[T]) PopDue(now time.Time) (x T, ok bool) {
	if len(h.items) == 0 || h.of(h.items[0]).deadline.After(now) {
		return x, false
	}
	last := len(h.items) - 1
	h.swap(0, last)
	x = h.pop()
	h.down(0)
	return x, true
}

// Clear disarms every timer, calling f (if not nil) with each.
func (h *Heap[T]) Clear(f func(T)) {
	for _, x := range h.items {
		h.of(x).pos = 0
		if f != nil {
			f(x)
		}
	}
	clear(h.items)
	h.items = h.items[:0]
}

func (h *Heap[T]) less(i, j int) bool {
	a, b := h.of(h.items[i]), h.of(h.items[j])
	if a.deadline.Equal(b.deadline) {
		return a.seq < b.seq
	}
	return a.deadline.Before(b.deadline)
}

func (h *Heap[T]) swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.of(h.items[i]).pos = i + 1
	h.of(h.items[j]).pos = j + 1
}

// pop removes the last item.
func (h *Heap[T]) pop() T {
	last := len(h.items) - 1
	x := h.items[last]
	var zero T
	h.items[last] = zero
	h.items = h.items[:last]
	h.of(x).pos = 0
	return x
}

func (h *Heap[T]) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

// down sifts item i down and reports whether it moved.
func (h *Heap[T]) down(i int) bool {
	start, n := i, len(h.items)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			break
		}
		h.swap(i, m)
		i = m
	}
	return i > start
}
