package netpoll_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/childloop/childloop/netpoll"
)

// The library on the netpoller hooks, dispatched to an application
// goroutine: 1000 children exiting at once (more ready pidfds than one
// batch holds), a child writing 10 MiB at once (more than one callback
// reads), a deadline, and the hooks closed under a parent.
func TestChildprocOnNetpoll(t *testing.T) {
	warmUp(t)
	testutil.CheckFDLeak(t)
	work := make(chan func(), 64)
	var wg sync.WaitGroup
	wg.Go(func() {
		for f := range work {
			f()
		}
	})
	h, err := netpoll.New(func(f func()) error { work <- f; return nil })
	require.NoError(t, err)
	defer func() {
		require.NoError(t, h.Close())
		close(work)
		wg.Wait()
	}()
	p, err := childproc.New(h, childproc.Config{})
	require.NoError(t, err)

	t.Run("1000 exits at once", func(t *testing.T) {
		r, w, err := osPipe()
		require.NoError(t, err)
		const n = 1000
		var mu sync.Mutex
		codes := map[int]int{}
		all := make(chan struct{})
		for i := range n {
			_, err := p.Spawn(&childproc.Cmd{Path: "/bin/sh", Args: []string{"sh", "-c", "read x; exit " + itoa(i%100)},
				Stdin: r, OnExit: func(ch *childproc.Child, st childproc.Status) {
					mu.Lock()
					codes[ch.Pid()] = st.Code
					if len(codes) == n {
						close(all)
					}
					mu.Unlock()
				}})
			require.NoError(t, err)
		}
		r.Close()
		w.Close() // every child reads EOF and exits
		select {
		case <-all:
		case <-time.After(guard):
			t.Fatalf("only %d of %d exits", len(codes), n)
		}
		hist := map[int]int{}
		for _, c := range codes {
			hist[c]++
		}
		for c := range 100 {
			assert.Equal(t, n/100, hist[c], "exit code %d", c)
		}
	})

	t.Run("10 MiB in one burst", func(t *testing.T) {
		done := make(chan *childproc.Result, 1)
		out := &childproc.Output{} // keeps up to DefaultLimit, 16 MiB
		_, err := p.Spawn(&childproc.Cmd{Path: "/bin/sh", Args: []string{"sh", "-c", "head -c 10485760 /dev/zero"},
			Stdout: out, OnDone: func(_ *childproc.Child, r *childproc.Result) { done <- r }})
		require.NoError(t, err)
		select {
		case r := <-done:
			assert.True(t, r.Status.Success(), "%v", r.Status)
			assert.Equal(t, 10<<20, len(out.Bytes()))
		case <-time.After(guard):
			t.Fatal("OnDone never ran")
		}
	})

	t.Run("deadline", func(t *testing.T) {
		ended := make(chan childproc.Status, 1)
		_, err := p.Spawn(&childproc.Cmd{Path: "/bin/sleep", Args: []string{"sleep", "30"}, Timeout: 50 * time.Millisecond,
			OnExit: func(_ *childproc.Child, st childproc.Status) { ended <- st }})
		require.NoError(t, err)
		select {
		case st := <-ended:
			assert.Equal(t, syscall.SIGTERM, st.Signal, "%v", st)
			assert.ErrorIs(t, st.Cause, context.DeadlineExceeded)
		case <-time.After(guard):
			t.Fatal("the deadline did not stop the child")
		}
	})

	require.NoError(t, p.Close())
	assert.NoError(t, testutil.NoChildren())

	t.Run("closed hooks", func(t *testing.T) {
		h2, err := netpoll.New(nil)
		require.NoError(t, err)
		p2, err := childproc.New(h2, childproc.Config{})
		require.NoError(t, err)
		require.NoError(t, h2.Close())
		_, err = p2.Spawn(&childproc.Cmd{Path: "/bin/true", Args: []string{"true"}, OnExit: func(*childproc.Child, childproc.Status) {}})
		assert.True(t, errors.Is(err, fs.ErrClosed), "Spawn on closed hooks: %v", err)
		require.NoError(t, p2.Close())
	})
}

func osPipe() (r, w *os.File, err error) { return os.Pipe() }

func itoa(i int) string { return strconv.Itoa(i) }

// warmUp has the library open what it keeps for the process's life
// (/dev/null, for nil stdio) before fds are counted.
func warmUp(t *testing.T) {
	h, err := netpoll.New(nil)
	require.NoError(t, err)
	defer h.Close()
	p, err := childproc.New(h, childproc.Config{})
	require.NoError(t, err)
	defer p.Close()
	done := make(chan struct{})
	_, err = p.Spawn(&childproc.Cmd{Path: "/bin/true", Args: []string{"true"},
		OnExit: func(*childproc.Child, childproc.Status) { close(done) }})
	require.NoError(t, err)
	<-done
}
