//go:build linux

package childproc_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/knob"
	"github.com/childloop/childloop/internal/testutil"
)

// When the process's fds run out, a pidfd parent spawns the rest without
// pidfds and reaps them through SIGCHLD: more live children than
// RLIMIT_NOFILE allows, none lost, every status right.
func TestPidlessWhenFDsRunOut(t *testing.T) {
	for _, src := range []knob.Source{knob.SourceAuto, knob.SourceRelay} {
		t.Run(src.String(), func(t *testing.T) {
			require.NoError(t, knob.SetSource(src))
			t.Cleanup(func() { _ = knob.SetSource(knob.SourceAuto) })
			pidlessRun(t)
		})
	}
}

func pidlessRun(t *testing.T) {
	{
		l := childproc.StartLoop(t)
		c := newParent(t, l, parentOf{Strategy: knob.StrategyPidfd})
		base := len(openFDs(t))
		var lim unix.Rlimit
		require.NoError(t, unix.Getrlimit(unix.RLIMIT_NOFILE, &lim))
		restore := func() { _ = unix.Setrlimit(unix.RLIMIT_NOFILE, &lim) }
		t.Cleanup(restore)
		low := lim
		low.Cur = uint64(base + 20)
		require.NoError(t, unix.Setrlimit(unix.RLIMIT_NOFILE, &low))
		const n = 80
		rec := newRecorder()
		pids := map[int]int{}
		maxPidless := 0
		for i := 0; i < n; i++ {
			ch, err := c.Spawn(shell("sleep 0.3; exit "+strconv.Itoa(i), rec.onExit(c)))
			require.NoError(t, err, "spawn %d with the fds gone", i)
			pids[ch.Pid()] = i
			maxPidless = max(maxPidless, c.PidlessLen())
		}
		rec.wait(t, n)
		restore()
		assert.Greater(t, maxPidless, n/2, "most children should have been watched without a pidfd")
		for pid, rs := range rec.All() {
			require.Len(t, rs, 1, "pid %d", pid)
			assert.Equal(t, pids[pid], rs[0].st.Code, "pid %d: %v", pid, rs[0].st)
		}
		assert.Equal(t, 0, c.Len())
		assert.Equal(t, 0, c.PidlessLen())
		assert.NoError(t, testutil.NoChildren())
	}
}
