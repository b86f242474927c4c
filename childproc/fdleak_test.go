//go:build linux

package childproc_test

import (
	"bufio"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNoFDLeakIntoChildren: with three live contexts (self-pipes and pidfd
// sets open) and eight goroutines spawning at once, every exec'd child sees
// only its stdio: every fd the library creates is close-on-exec from birth.
func TestNoFDLeakIntoChildren(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		// Those this process holds without close-on-exec (inherited from
		// whatever started "go test") reach every child whatever the
		// library does: they are not its leaks.
		inherited, err := testutil.InheritableFDs() // before the library creates anything
		require.NoError(t, err)
		l := childproc.StartLoop(t)
		var ctxs []*childproc.Parent
		for i := 0; i < 3; i++ {
			ctxs = append(ctxs, newParent(t, l, parentOf{Mode: childproc.ModeKeep, Strategy: v.strategy}))
		}
		// Children holding library pipes (stdin queue, stdout, stderr)
		// while the others list their fds: the parent's ends must not
		// reach them either.
		for _, c := range ctxs {
			holder, err := c.Spawn(&childproc.Cmd{Path: "/bin/sleep", Args: []string{"sleep", "60"}, Stdin: &childproc.Input{Queue: 1},
				Stdout: &childproc.Output{Limit: -1}, Stderr: &childproc.Output{Limit: -1},
				OnDone: func(*childproc.Child, *childproc.Result) {}})
			require.NoError(t, err)
			t.Cleanup(func() { _ = holder.Kill() })
		}
		rec := newRecorder()
		var wg sync.WaitGroup
		var mu sync.Mutex
		var leaks []string
		const perG = 4
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < perG; i++ {
					r, w, err := os.Pipe()
					if !assert.NoError(t, err) {
						return
					}
					c := ctxs[(g+i)%len(ctxs)]
					// A shell lists its own open fds; the glob's directory fd
					// is closed again by the time the loop tests each entry.
					_, err = c.Spawn(&childproc.Cmd{Path: "/bin/sh",
						Args:   []string{"sh", "-c", `for f in /proc/$$/fd/*; do [ -e "$f" ] && echo "${f##*/} $(readlink $f)"; done; exit 0`},
						Stdout: w, OnExit: rec.onExit(c)})
					w.Close()
					if !assert.NoError(t, err) {
						r.Close()
						return
					}
					sc := bufio.NewScanner(r)
					for sc.Scan() {
						f := strings.Fields(sc.Text())
						if len(f) < 1 {
							continue
						}
						if fd, err := strconv.Atoi(f[0]); err == nil && (fd <= 2 || slices.Contains(inherited, fd)) {
							continue
						}
						mu.Lock()
						leaks = append(leaks, sc.Text())
						mu.Unlock()
					}
					r.Close()
				}
			}(g)
		}
		wg.Wait()
		rec.wait(t, 8*perG)
		assert.Empty(t, leaks, "fds leaked into exec'd children")
		for pid, got := range rec.All() {
			assert.True(t, got[0].st.Success(), "helper %d: %v", pid, got[0].st)
		}
	})
}
