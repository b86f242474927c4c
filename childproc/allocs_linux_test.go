//go:build linux

package childproc_test

import (
	"testing"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/childloop/childloop/loop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Once warm, a spawn through the exit callback allocates one object of the
// library's: the *Child it returns (the Cmd is the caller's). Counted over
// the whole process, so the loop's reaping and dispatch are included.
func TestSpawnReapAllocs(t *testing.T) {
	if testutil.RaceEnabled {
		t.Skip("-race: sync.Pool drops items at random")
	}
	l, err := loop.New()
	require.NoError(t, err)
	defer l.Close()
	c, err := childproc.New(l, childproc.Config{})
	require.NoError(t, err)
	defer c.Close()
	var done bool
	var st childproc.Status
	cmd := &childproc.Cmd{Path: "/bin/true", Args: []string{"true"}, Env: []string{"A=1"},
		OnExit: func(_ *childproc.Child, s childproc.Status) { done, st = true, s }}
	var spawnErr error
	allocs := testing.AllocsPerRun(50, func() {
		done = false
		if _, err := c.Spawn(cmd); err != nil {
			spawnErr = err
			return
		}
		for !done {
			if err := l.RunOnce(true); err != nil {
				spawnErr = err
				return
			}
		}
	})
	require.NoError(t, spawnErr)
	require.True(t, st.Success(), "%v", st)
	assert.LessOrEqual(t, allocs, 1.0, "allocations per spawn and exit, the returned *Child included")
}
