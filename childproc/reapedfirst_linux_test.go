//go:build linux

package childproc_test

import (
	"testing"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/knob"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// A child is reaped before its callback runs, with and without a tree (a
// tree child's zombie is kept only while its leftovers are killed), on
// both strategies: whatever the callback releases (a blocking Wait of the
// exec front-end, say) sees it gone, so a program that exits next leaves
// no zombie behind.
func TestReapedBeforeCallback(t *testing.T) {
	for _, s := range []knob.Strategy{knob.StrategyPidfd, knob.StrategyScan} {
		for _, tree := range []childproc.Tree{childproc.TreeNone, childproc.TreeGroup, childproc.TreeCgroup} {
			t.Run(s.String()+"/"+tree.String(), func(t *testing.T) {
				require.NoError(t, knob.SetStrategy(s))
				defer knob.SetStrategy(knob.StrategyAuto)
				l := childproc.StartLoop(t)
				var c *childproc.Context
				if tree == childproc.TreeCgroup {
					c = cgroupCtx(t, l)
				} else {
					c = newTreeCtx(t, l, tree)
				}
				const n = 50
				unreaped := make(chan int, n)
				done := make(chan struct{}, n)
				for range n {
					_, err := c.Spawn(&childproc.Cmd{Path: "/bin/true", Args: []string{"true"},
						OnExit: func(ch *childproc.Child, _ childproc.Status) {
							var info unix.Siginfo
							if unix.Waitid(unix.P_PID, ch.Pid(), &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil) != unix.ECHILD {
								unreaped <- ch.Pid()
							}
							done <- struct{}{}
						}})
					require.NoError(t, err)
				}
				for range n {
					<-done
				}
				assert.Zero(t, len(unreaped), "children still zombies in their callback")
			})
		}
	}
}
