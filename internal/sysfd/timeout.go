package sysfd

import (
	"math"
	"time"
)

// PollTimeoutMs is the poll(2)/epoll_wait(2) timeout for a wait of d: 0 for
// a deadline already due, otherwise d rounded up to whole milliseconds (so
// the wait does not end just before the deadline and spin) and capped at
// the largest int32 (about 24 days; the caller recomputes after).
func PollTimeoutMs(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(min((d+time.Millisecond-1)/time.Millisecond, math.MaxInt32))
}
