//go:build linux

package childproc_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/childloop/childloop/childproc"
	"golang.org/x/sys/unix"
)

// burst spawns n children over ctxs, all blocked reading one shared pipe,
// releases them at the same instant and checks that every child gets exactly
// one callback with its own code on its own context. before, if not nil, runs
// after spawning and before the release.
func burst(t *testing.T, ctxs []*childproc.Context, n int, before func()) {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	type want struct {
		ctx  *childproc.Context
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
			pw.Close()
			t.Fatalf("spawn %d: %v", i, err)
		}
		wants[ch.Pid()] = want{c, code}
	}
	pr.Close()
	if before != nil {
		before()
	}
	pw.Close() // every child sees EOF now
	rec.wait(t, n)

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.n != n {
		t.Errorf("%d callbacks for %d children", rec.n, n)
	}
	for pid, w := range wants {
		got := rec.got[pid]
		if len(got) != 1 {
			t.Errorf("pid %d: %d callbacks", pid, len(got))
			continue
		}
		if got[0].ctx != w.ctx {
			t.Errorf("pid %d reported by the wrong context", pid)
		}
		if !got[0].st.Exited() || got[0].st.Code != w.code {
			t.Errorf("pid %d: status %v, want exit %d", pid, got[0].st, w.code)
		}
	}
	for pid := range rec.got {
		if _, ok := wants[pid]; !ok {
			t.Errorf("callback for pid %d that no context spawned", pid)
		}
	}
}

// TestBurst: 1000 simultaneous exits over three KeepSigchld contexts,
// for every signal source × strategy. SIGCHLDs coalesce heavily here; each
// exit must still be reported once, with its status, to its own context, and
// the process must be back to its baseline afterwards.
func TestBurst(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		fds0 := fdCount(t) // goroutines: goleak checks at the end of the run
		func() {
			l := startLoop(t)
			var ctxs []*childproc.Context
			for i := 0; i < 3; i++ {
				c, err := childproc.NewWithStrategy(l, childHooks(childproc.ModeKeep), v.strategy)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { c.Close() }) // on failure: no zombies for later tests
				ctxs = append(ctxs, c)
			}
			burst(t, ctxs, 1000, nil)
			for _, c := range ctxs {
				if err := c.Close(); err != nil {
					t.Error(err)
				}
				if c.Len() != 0 {
					t.Errorf("context still has %d children", c.Len())
				}
			}
		}()
		assertNoZombies(t)
		assertNoChildren(t)
		if n := childproc.PipeUsers(); n != 0 {
			t.Errorf("%d SIGCHLD users left registered", n)
		}
		// The loop is still alive here (stopped in Cleanup): allow its fds.
		if got := fdCount(t); got > fds0+loopFDs {
			t.Errorf("fd count %d, baseline %d (+%d for the loop)", got, fds0, loopFDs)
		}
	})
}

// loopFDs is how many fds a reference loop holds (epoll + eventfd).
const loopFDs = 2

// TestPipeFull fills a context's self-pipe to EAGAIN before a burst: the
// wake-up is already pending, and nothing is lost.
func TestPipeFull(t *testing.T) {
	forSignalVariants(t, func(t *testing.T, v variant) { // pidfd has no self-pipe
		l := startLoop(t)
		c := newCtx(t, l, childproc.ModeKeep, v.strategy, nil)
		fill := func() {
			w := c.SelfPipeWriteFD()
			if w < 0 {
				t.Fatal("context has no self-pipe")
			}
			buf := make([]byte, 4096)
			for {
				_, err := unix.Write(w, buf)
				if err == unix.EAGAIN {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		burst(t, []*childproc.Context{c}, 300, fill)
	})
}
