//go:build linux

package childproc_test

import (
	"bytes"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/loop"
)

// countHooks is a loop that counts the fd occurrences it delivers.
type countHooks struct {
	*loop.Loop
	n *atomic.Int64
}

func (h countHooks) RegisterFD(fd int, ev hooks.Events, t hooks.FDTarget) (hooks.Registration, error) {
	return h.Loop.RegisterFD(fd, ev, countTarget{t, h.n})
}

type countTarget struct {
	hooks.FDTarget
	n *atomic.Int64
}

func (c countTarget) FDOccurred(fd int, ev hooks.Events) error {
	c.n.Add(1)
	return c.FDTarget.FDOccurred(fd, ev)
}

// Nothing the library registers stays ready without being consumed: 1000
// children with library stdin, stdout and stderr, started from 4
// goroutines (forks run without the parent's mutex, so pipes exist before
// their child is recorded), cost a small constant number of deliveries
// each. Before the pipes were registered with no events until the record,
// a level-triggered loop delivered a writable stdin pipe on every round
// until then: hundreds per child.
func TestNoBusyRedelivery(t *testing.T) {
	var n atomic.Int64
	l := childproc.StartLoop(t)
	c := newParent(t, countHooks{l, &n}, parentOf{})
	const children, perChild = 1000, 12
	rec := newRecorder()
	errs := make(chan error, children)
	for g := range 4 {
		go func() {
			for i := g; i < children; i += 4 {
				_, err := c.Spawn(&childproc.Cmd{Path: "/bin/sh", Args: []string{"sh", "-c", "cat; echo err >&2"},
					Stdin:  bytes.NewReader([]byte("in\n")),
					Stdout: &childproc.Output{}, Stderr: &childproc.Output{},
					OnDone: rec.onDone})
				errs <- err
			}
		}()
	}
	for range children {
		require.NoError(t, <-errs)
	}
	rec.wait(t, children)
	for pid, rs := range rec.All() {
		r := rs[0].res
		assert.Equal(t, "in\n", string(r.Stdout), "pid %d", pid)
		assert.Equal(t, "err\n", string(r.Stderr), "pid %d", pid)
	}
	got := n.Load()
	t.Logf("%d fd deliveries for %d children (%.1f each)", got, children, float64(got)/children)
	assert.LessOrEqual(t, got, int64(children*perChild), "deliveries")
}
