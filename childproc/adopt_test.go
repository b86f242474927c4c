//go:build linux

package childproc_test

import (
	"errors"
	"syscall"
	"testing"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/knob"
)

// waitExited blocks until pid has exited, leaving it unreaped.
func waitExited(t *testing.T, pid int) {
	t.Helper()
	if err := zombie(pid); err != nil {
		t.Fatalf("waitid(%d): %v", pid, err)
	}
}

// TestAppSigchldAdoptExited: an AppSigchld context learns of exits only when
// told. A child that exited before Adopt, its SIGCHLD already answered,
// must still be reported: Adopt makes the pass itself.
func TestAppSigchldAdoptExited(t *testing.T) {
	c, err := childproc.New(nil, childproc.Config{AppSigchld: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pid, err := syscall.ForkExec("/bin/sh", []string{"sh", "-c", "exit 7"}, &syscall.ProcAttr{})
	if err != nil {
		t.Fatal(err)
	}
	waitExited(t, pid)
	if err := c.SigchldOccurred(); err != nil { // the application's answer to that SIGCHLD
		t.Fatal(err)
	}
	var got []childproc.Status
	if _, err := c.Adopt(pid, func(_ *childproc.Child, st childproc.Status) { got = append(got, st) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Code != 7 {
		t.Errorf("callbacks by the time Adopt returned: %+v, want one with exit 7", got)
	}
	if c.Len() != 0 {
		t.Errorf("Len = %d after the adopted child was reported", c.Len())
	}
	assertNoZombies(t)
}

// TestAdoptUnwatchableLeavesChildAlone: when the context cannot watch an
// adopted process (pidfd_open fails for lack of fds), Adopt fails and the
// process — the caller's — is neither killed nor reaped.
func TestAdoptUnwatchableLeavesChildAlone(t *testing.T) {
	if !pidfdOK() {
		t.Skip("no pidfds")
	}
	l := startLoop(t)
	c := newCtx(t, l, childproc.ModeOwn, knob.StrategyPidfd, nil)
	pid, err := syscall.ForkExec("/bin/sleep", []string{"sleep", "60"}, &syscall.ProcAttr{Env: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		syscall.Kill(pid, syscall.SIGKILL)
		var ws syscall.WaitStatus
		syscall.Wait4(pid, &ws, 0, nil)
	}()
	var lim, saved syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &saved); err != nil {
		t.Fatal(err)
	}
	lim = saved
	lim.Cur = 3 // below what is open: every new fd fails with EMFILE
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	_, adoptErr := c.Adopt(pid, func(*childproc.Child, childproc.Status) { t.Error("callback for a child Adopt refused") })
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &saved); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(adoptErr, syscall.EMFILE) {
		t.Fatalf("Adopt with no fd left: %v, want EMFILE", adoptErr)
	}
	if err := syscall.Kill(pid, 0); err != nil {
		t.Errorf("adopted process after the failed Adopt: kill(0) = %v, want it alive", err)
	}
	var ws syscall.WaitStatus
	if wpid, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil); wpid != 0 || err != nil {
		t.Errorf("wait4(%d, WNOHANG) = %d, %v; want it still running and ours to reap", pid, wpid, err)
	}
	if c.Len() != 0 {
		t.Errorf("Len = %d after the failed Adopt", c.Len())
	}
}

// TestStatusLostKeepsErrno: a child reaped behind the context's back is
// reported with ErrStatusLost, and the errno stays inspectable.
func TestStatusLostKeepsErrno(t *testing.T) {
	c, err := childproc.New(nil, childproc.Config{AppSigchld: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var got []childproc.Status
	ch, err := c.Spawn(&childproc.Cmd{Path: "/bin/true", Args: []string{"true"}, OnExit: func(_ *childproc.Child, st childproc.Status) { got = append(got, st) }})
	if err != nil {
		t.Fatal(err)
	}
	waitExited(t, ch.Pid())
	var ws syscall.WaitStatus
	if _, err := syscall.Wait4(ch.Pid(), &ws, 0, nil); err != nil { // the theft
		t.Fatal(err)
	}
	if err := c.SigchldOccurred(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !errors.Is(got[0].Err, childproc.ErrStatusLost) || !errors.Is(got[0].Err, syscall.ECHILD) {
		t.Errorf("callbacks %+v, want one whose Err is ErrStatusLost and ECHILD", got)
	}
}
