//go:build linux

package childproc_test

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/childloop/childloop/childproc"
)

func init() {
	helpers["orphans-own"] = func([]string) int { return orphansHelper(childproc.ModeOrphans, orphansOwn) }
}

// TestOrphansOwnSpawns: a ModeOrphans parent's own children, spawned from
// 8 goroutines and exiting at once, are never taken for orphans, even when
// one exits before its spawner has moved its pidfd up (internal/spawn
// places pidfds at 1024 and above: a dup, then a close of the old fd).
func TestOrphansOwnSpawns(t *testing.T) {
	out := runDaemonHelper(t, "orphans-own")
	assert.Equal(t, "own 4000 exit0 4000 foreign 0\n", out)
}

func orphansOwn(r *orphanRig) error {
	// Fds that make each scan of the fd table long enough to meet moves.
	var pad []*os.File
	for range 800 {
		f, err := os.Open(os.DevNull)
		if err != nil {
			return err
		}
		pad = append(pad, f)
	}
	defer func() {
		for _, f := range pad {
			f.Close()
		}
	}()
	own := newRecorderOf()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []string
	for range 8 {
		wg.Go(func() {
			for range 500 {
				if _, err := r.c.Spawn(&childproc.Cmd{Path: "/bin/true", Args: []string{"true"}, OnExit: own.onExit}); err != nil {
					mu.Lock()
					errs = append(errs, err.Error())
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	own.wait(4000)
	r.mu.Lock()
	foreign := len(r.foreign)
	for pid, sts := range r.foreign {
		errs = append(errs, fmt.Sprintf("own child %d reaped as an orphan: %v", pid, sts))
	}
	r.mu.Unlock()
	fmt.Printf("own %d exit0 %d foreign %d\n", own.n, own.code(0), foreign)
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}
