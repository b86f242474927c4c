//go:build linux

package childproc_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/childproc"
	"golang.org/x/sys/unix"
)

// TestStatuses checks every exit code and the signal statuses, including
// the core-dump flag where the system writes cores to a plain file.
func TestStatuses(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		l := startLoop(t)
		c := newCtx(t, l, childproc.ModeOwn, v.strategy, nil)
		rec := newRecorder()
		want := make(map[int]childproc.Status)
		spawn := func(cmd *childproc.Cmd, st childproc.Status) *childproc.Child {
			t.Helper()
			ch, err := c.Spawn(cmd)
			if err != nil {
				t.Fatal(err)
			}
			want[ch.Pid()] = st
			return ch
		}
		for code := 0; code < 256; code++ {
			spawn(shell(fmt.Sprintf("exit %d", code), rec.onExit(c)), childproc.Status{Code: code})
		}
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
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

		if err := k.Kill(); err != nil {
			t.Fatal(err)
		}
		if err := term.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		rec.wait(t, len(want))
		rec.mu.Lock()
		defer rec.mu.Unlock()
		for pid, w := range want {
			got := rec.got[pid]
			if len(got) != 1 {
				t.Errorf("pid %d: %d callbacks", pid, len(got))
				continue
			}
			st := got[0].st
			if pid == abrt.Pid() && !coreToFile {
				st.CoreDumped = false // depends on core_pattern; checked only for "core"
			}
			if st != w {
				t.Errorf("pid %d: %v, want %v", pid, st, w)
			}
		}
		if err := k.Kill(); !errors.Is(err, os.ErrProcessDone) {
			t.Errorf("Kill after exit: %v, want os.ErrProcessDone", err)
		}
		if st, done := k.Status(); !done || st.Signal != syscall.SIGKILL {
			t.Errorf("Status() = %v, %v", st, done)
		}
		// A group leader whose group holds a grandchild: SignalGroup
		// reaches both.
		gpr, gpw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		leader, err := c.Spawn(&childproc.Cmd{Args: []string{"/bin/sh", "-c", "sleep 3600 & echo $!; wait"}, Stdout: gpw,
			SysProcAttr: &syscall.SysProcAttr{Setpgid: true}, OnExit: rec.onExit(c)})
		gpw.Close()
		if err != nil {
			t.Fatal(err)
		}
		var gchild int
		if _, err := fmt.Fscan(gpr, &gchild); err != nil {
			t.Fatal(err)
		}
		gpr.Close()
		gpidfd, err := unix.PidfdOpen(gchild, 0)
		if err != nil {
			t.Fatal(err)
		}
		rec.mu.Unlock()
		if err := leader.SignalGroup(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		rec.wait(t, len(want)+1)
		rec.mu.Lock()
		if got := rec.got[leader.Pid()]; len(got) != 1 || got[0].st.Signal != syscall.SIGTERM {
			t.Errorf("group leader: %v", got)
		}
		if err := leader.SignalGroup(syscall.SIGTERM); !errors.Is(err, os.ErrProcessDone) {
			t.Errorf("SignalGroup after exit: %v", err)
		}
		// The grandchild got SIGTERM too: its pidfd (opened while it ran)
		// turns readable when it dies.
		fds := []unix.PollFd{{Fd: int32(gpidfd), Events: unix.POLLIN}}
		if n, err := unix.Poll(fds, int(hangGuard/time.Millisecond)); n != 1 || err != nil {
			syscall.Kill(gchild, syscall.SIGKILL)
			t.Errorf("grandchild %d survived SignalGroup (poll %d, %v)", gchild, n, err)
		}
		unix.Close(gpidfd)
		if !coreToFile {
			t.Logf("core_pattern is %q: core flag not checked", strings.TrimSpace(string(pattern)))
		}
	})
}
