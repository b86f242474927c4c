package childproc_test

import (
	"fmt"
	"io/fs"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/knob"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/childloop/childloop/loop"
	"github.com/childloop/childloop/osevent"
)

// A parent whose loop was closed can never be told of an exit: Spawn,
// Adopt and Watch then fail with fs.ErrClosed and start nothing, on every
// reap path and for both kinds of hooks the library ships. (The pidfd path
// used to hand back a child whose OnExit never ran.)
func TestClosedLoop(t *testing.T) {
	type closer interface {
		hooks.OSEvents
		Close() error
	}
	for _, ev := range []struct {
		name string
		make func() (closer, error)
	}{
		{"loop", func() (closer, error) { return loop.New() }},
		{"PollArray", func() (closer, error) { return osevent.NewPollArray() }},
	} {
		for _, s := range []knob.Strategy{knob.StrategyPidfd, knob.StrategyScan} {
			for _, m := range []childproc.Mode{childproc.ModeOwn, childproc.ModeKeep, childproc.ModeReapAll} {
				t.Run(fmt.Sprintf("%s/%v/%v", ev.name, s, m), func(t *testing.T) {
					if s == knob.StrategyPidfd && !knob.PidfdSupported() {
						t.Skip("no pidfds here")
					}
					h, err := ev.make()
					require.NoError(t, err)
					var foreign func(int, childproc.Status)
					if m == childproc.ModeReapAll {
						foreign = func(int, childproc.Status) {}
					}
					c, err := childproc.NewWithStrategy(h, childproc.ConfigOf(m, foreign, nil), s)
					require.NoError(t, err)
					defer c.Close()
					require.NoError(t, h.Close())

					nop := func(*childproc.Child, childproc.Status) {}
					_, err = c.Spawn(&childproc.Cmd{Args: []string{"/bin/true"}, OnExit: nop})
					assert.ErrorIs(t, err, fs.ErrClosed, "Spawn")
					assert.Zero(t, c.Len())

					cmd := exec.Command("true")
					require.NoError(t, cmd.Start())
					_, err = c.Adopt(cmd.Process.Pid, nop)
					assert.ErrorIs(t, err, fs.ErrClosed, "Adopt")
					if m != childproc.ModeReapAll {
						_, err = c.Watch(cmd.Process, nop)
						assert.Error(t, err, "Watch")
					}
					require.NoError(t, cmd.Wait())
					assert.NoError(t, testutil.NoChildren())
				})
			}
		}
	}
}
