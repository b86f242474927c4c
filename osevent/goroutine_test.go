package osevent

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/testutil"
)

// TestCallbacksOnDeliveringGoroutine guards, for osevent, the invariant that callbacks run on the goroutine that delivers the occurrence:
// callbacks registered from another goroutine run on the goroutine that
// delivers the occurrence (here the one calling AfterPoll), synchronously.
func TestCallbacksOnDeliveringGoroutine(t *testing.T) {
	p, r := newPollRegistry(t)
	fds := testutil.Pipe(t)
	var mu sync.Mutex
	var ran []int
	record := func() {
		mu.Lock()
		ran = append(ran, testutil.GoID())
		mu.Unlock()
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // registrations from another goroutine
		defer wg.Done()
		_, err := r.RegisterFD(fds[0], hooks.In, func(int, hooks.Events) { record() })
		assert.NoError(t, err)
		_, err = r.RegisterTimeout(time.Time{}, func() { record() })
		assert.NoError(t, err)
	}()
	wg.Wait()
	_, err := unix.Write(fds[1], []byte{1})
	require.NoError(t, err)
	arr, _ := p.BeforePoll(nil, -1, time.Now())
	pollOnce(t, arr, 0)
	require.NoError(t, p.AfterPoll(arr, time.Now()))
	me := testutil.GoID()
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []int{me, me}, ran, "goroutines the callbacks ran on: want two on the AfterPoll caller")
}
