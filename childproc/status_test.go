//go:build linux

package childproc_test

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestStatuses checks every exit code and the signal statuses, including
// the core-dump flag where the system writes cores to a plain file.
func TestStatuses(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		l := childproc.StartLoop(t)
		c := newParent(t, l, parentOf{Strategy: v.strategy})
		rec := newRecorder()
		want := make(map[int]childproc.Status)
		spawn := func(cmd *childproc.Cmd, st childproc.Status) *childproc.Child {
			t.Helper()
			ch, err := c.Spawn(cmd)
			require.NoError(t, err)
			want[ch.Pid()] = st
			return ch
		}
		for code := 0; code < 256; code++ {
			spawn(shell(fmt.Sprintf("exit %d", code), rec.onExit(c)), childproc.Status{Code: code})
		}
		pr, pw, err := os.Pipe()
		require.NoError(t, err)
		defer pw.Close()
		blocked := func() *childproc.Cmd {
			cmd := shell("read x", rec.onExit(c))
			cmd.Stdin = pr
			return cmd
		}
		k := spawn(blocked(), childproc.Status{Signal: syscall.SIGKILL})
		term := spawn(blocked(), childproc.Status{Signal: syscall.SIGTERM})
		pr.Close()
		spawn(shell("kill -TERM $$", rec.onExit(c)), childproc.Status{Signal: syscall.SIGTERM})

		dir := t.TempDir()
		pattern, _ := os.ReadFile("/proc/sys/kernel/core_pattern")
		coreToFile := strings.TrimSpace(string(pattern)) == "core"
		abrt := spawn(&childproc.Cmd{Path: "/bin/sh", Args: []string{"sh", "-c", "ulimit -c unlimited 2>/dev/null; kill -ABRT $$"},
			Dir: dir, OnExit: rec.onExit(c)}, childproc.Status{Signal: syscall.SIGABRT, CoreDumped: coreToFile})

		require.NoError(t, k.Kill())
		require.NoError(t, term.Signal(syscall.SIGTERM))
		rec.wait(t, len(want))
		for pid, w := range want {
			got := rec.Of(pid)
			if !assert.Len(t, got, 1, "pid %d: callbacks", pid) {
				continue
			}
			st := got[0].st
			st.Usage = childproc.Usage{} // the reaper's rusage: rusage_test.go
			if pid == abrt.Pid() && !coreToFile {
				st.CoreDumped = false // depends on core_pattern; checked only for "core"
			}
			assert.Equal(t, w, st, "pid %d: status", pid)
		}
		assert.ErrorIs(t, k.Kill(), os.ErrProcessDone, "Kill after exit")
		if st, done := k.Status(); assert.True(t, done, "Status(): not done") {
			assert.Equal(t, syscall.SIGKILL, st.Signal, "Status() = %v", st)
		}
		// A group leader whose group holds a grandchild: SignalGroup
		// reaches both.
		gpr, gpw, err := os.Pipe()
		require.NoError(t, err)
		leader, err := c.Spawn(&childproc.Cmd{Args: []string{"/bin/sh", "-c", "sleep 3600 & echo $!; wait"}, Stdout: gpw,
			SysProcAttr: &syscall.SysProcAttr{Setpgid: true}, OnExit: rec.onExit(c)})
		gpw.Close()
		require.NoError(t, err)
		var gchild int
		_, err = fmt.Fscan(gpr, &gchild)
		require.NoError(t, err)
		gpr.Close()
		gpidfd, err := unix.PidfdOpen(gchild, 0)
		require.NoError(t, err)
		require.NoError(t, leader.SignalGroup(syscall.SIGTERM))
		rec.wait(t, len(want)+1)
		if got := rec.Of(leader.Pid()); assert.Len(t, got, 1, "group leader: callbacks") {
			assert.Equal(t, syscall.SIGTERM, got[0].st.Signal, "group leader: %v", got[0].st)
		}
		assert.ErrorIs(t, leader.SignalGroup(syscall.SIGTERM), os.ErrProcessDone, "SignalGroup after exit")
		// The grandchild got SIGTERM too: its pidfd (opened while it ran)
		// turns readable when it dies.
		fds := []unix.PollFd{{Fd: int32(gpidfd), Events: unix.POLLIN}}
		if n, err := unix.Poll(fds, int(hangGuard/time.Millisecond)); n != 1 || err != nil {
			syscall.Kill(gchild, syscall.SIGKILL)
			if assert.NoError(t, err, "poll of the pidfd of grandchild %d", gchild) {
				assert.Equal(t, 1, n, "grandchild %d survived SignalGroup", gchild)
			}
		}
		unix.Close(gpidfd)
		if !coreToFile {
			t.Logf("core_pattern is %q: core flag not checked", strings.TrimSpace(string(pattern)))
		}
	})
}
