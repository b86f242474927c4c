//go:build linux

package childproc_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// burst spawns n children over ctxs, all blocked reading one shared pipe,
// releases them at the same instant and checks that every child gets exactly
// one callback with its own code on its own context. before, if not nil, runs
// after spawning and before the release.
func burst(t *testing.T, ctxs []*childproc.Parent, n int, before func()) {
	t.Helper()
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	rec := newRecorder()
	type want struct {
		ctx  *childproc.Parent
		code int
	}
	wants := make(map[int]want, n)
	for i := 0; i < n; i++ {
		c := ctxs[i%len(ctxs)]
		code := i % 256
		cmd := shell(fmt.Sprintf("read x; exit %d", code), rec.onExit(c))
		cmd.Stdin = pr
		ch, err := c.Spawn(cmd)
		if err != nil {
			pw.Close() // release the children spawned so far
		}
		require.NoError(t, err, "spawn %d", i)
		wants[ch.Pid()] = want{c, code}
	}
	pr.Close()
	if before != nil {
		before()
	}
	pw.Close() // every child sees EOF now
	rec.wait(t, n)

	assert.Equal(t, n, rec.Count(), "callbacks for %d children", n)
	for pid, w := range wants {
		got := rec.Of(pid)
		if !assert.Len(t, got, 1, "pid %d: callbacks", pid) {
			continue
		}
		// == rather than assert.Same, which would print the parents'
		// internals, read unlocked while the loop runs.
		assert.True(t, got[0].ctx == w.ctx, "pid %d reported by the wrong context", pid)
		if assert.True(t, got[0].st.Exited(), "pid %d: status %v, want exit %d", pid, got[0].st, w.code) {
			assert.Equal(t, w.code, got[0].st.Code, "pid %d: exit code", pid)
		}
	}
	for pid := range rec.All() {
		assert.Contains(t, wants, pid, "callback for pid %d that no context spawned", pid)
	}
}

// TestBurst: 1000 simultaneous exits over three ModeKeep parents,
// for every signal source × strategy. SIGCHLDs coalesce heavily here; each
// exit must still be reported once, with its status, to its own parent, and
// the process must be back to its baseline afterwards.
func TestBurst(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		fds0 := openFDs(t) // goroutines: goleak checks at the end of the run
		func() {
			l := childproc.StartLoop(t)
			var ctxs []*childproc.Parent
			for i := 0; i < 3; i++ {
				c, err := childproc.NewWithStrategy(l, childHooks(childproc.ModeKeep), v.strategy)
				require.NoError(t, err)
				t.Cleanup(func() { c.Close() }) // on failure: no zombies for later tests
				ctxs = append(ctxs, c)
			}
			burst(t, ctxs, 1000, nil)
			for _, c := range ctxs {
				assert.NoError(t, c.Close())
				assert.Zero(t, c.Len(), "children the context still has")
			}
		}()
		assert.NoError(t, testutil.NoZombies())
		assert.NoError(t, testutil.NoChildren())
		assert.Zero(t, childproc.PipeUsers(), "SIGCHLD users left registered")
		// The loop is still alive here (stopped in Cleanup): allow its fds.
		fds := openFDs(t)
		assert.LessOrEqual(t, len(fds), len(fds0)+loopFDs, "fd count: open before %v, now %v (+%d for the loop)", fds0, fds, loopFDs)
	})
}

// loopFDs is how many fds a reference loop holds (epoll + eventfd).
const loopFDs = 2

// TestPipeFull fills a parent's self-pipe to EAGAIN before a burst: the
// wake-up is already pending, and nothing is lost.
func TestPipeFull(t *testing.T) {
	forSignalVariants(t, func(t *testing.T, v variant) { // pidfd has no self-pipe
		l := childproc.StartLoop(t)
		c := newParent(t, l, parentOf{Mode: childproc.ModeKeep, Strategy: v.strategy})
		fill := func() {
			w := c.SelfPipeWriteFD()
			require.GreaterOrEqual(t, w, 0, "context has no self-pipe")
			buf := make([]byte, 4096)
			for {
				_, err := unix.Write(w, buf)
				if err == unix.EAGAIN {
					return
				}
				require.NoError(t, err)
			}
		}
		burst(t, []*childproc.Parent{c}, 300, fill)
	})
}
