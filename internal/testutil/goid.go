package testutil

import (
	"bytes"
	"runtime"
	"strconv"
)

// GoID is the current goroutine's id, parsed from runtime.Stack. It is for
// tests that check which goroutine runs a callback (callbacks must run on the loop goroutine); it costs
// a stack dump.
func GoID() int {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	id, _ := strconv.Atoi(string(b[:bytes.IndexByte(b, ' ')]))
	return id
}
