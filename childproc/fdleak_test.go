//go:build linux

package childproc_test

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/childloop/childloop/childproc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestNoFDLeakIntoChildren: with three live contexts (self-pipes and pidfd
// sets open) and eight goroutines spawning at once, every exec'd child sees
// only its stdio: every fd the library creates is close-on-exec from birth.
func TestNoFDLeakIntoChildren(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		inherited := inheritableFDs(t) // before the library creates anything
		l := startLoop(t)
		var ctxs []*childproc.Context
		for i := 0; i < 3; i++ {
			ctxs = append(ctxs, newCtx(t, l, childproc.ModeKeep, v.strategy, nil))
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
						if len(f) < 1 || f[0] == "0" || f[0] == "1" || f[0] == "2" || inherited[f[0]] {
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
		rec.mu.Lock()
		for pid, got := range rec.got {
			assert.True(t, got[0].st.Success(), "helper %d: %v", pid, got[0].st)
		}
		rec.mu.Unlock()
	})
}

// inheritableFDs lists the fds this test process itself holds without
// close-on-exec (inherited from whatever started "go test"): they reach every
// child whatever the library does, so they are not the library's leaks.
func inheritableFDs(t *testing.T) map[string]bool {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	m := map[string]bool{}
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err == nil && flags&unix.FD_CLOEXEC == 0 {
			m[e.Name()] = true
		}
	}
	return m
}
