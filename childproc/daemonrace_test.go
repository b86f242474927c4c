//go:build linux

package childproc_test

import (
	"bufio"
	"fmt"
	"github.com/childloop/childloop/noexec"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/childloop/childloop/loop"
)

// daemonCount is how many double-fork daemons the helper forks.
const daemonCount = 100

// TestReapAllDaemonRace: a subreaper with a ModeReapAll parent forks 100
// double-fork daemons with Parent.ForkNoexec, waiting a random 0–5 ms
// before going on each time (the window in which the middle child has
// exited and the ModeReapAll reaper would have claimed it as foreign before an
// Adopt could run). Every middle child's exit must reach its own callback
// and every daemon's exit (the daemon is reparented to the subreaper) the
// foreign-child callback; none may be lost or misrouted.
func TestReapAllDaemonRace(t *testing.T) {
	out := runDaemonHelper(t, "daemons")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.NotEmpty(t, lines)
	assert.Equal(t, fmt.Sprintf("own %d exit0 %d", daemonCount, daemonCount), lines[0], "middle children: reported / exited 0")
	assert.Equal(t, fmt.Sprintf("foreign %d exit7 %d matched %d", daemonCount, daemonCount, daemonCount), lines[1], "daemons: reported / exited 7 / pids they printed")
}

// TestAdoptAfterForkRaces shows what the test above guards against: forking
// outside the parent and adopting afterwards loses middle children to the
// ModeReapAll reaper. It only reports (how many are lost depends on timing).
func TestAdoptAfterForkRaces(t *testing.T) {
	out := runDaemonHelper(t, "daemons-adopt")
	t.Logf("fork, then Adopt after 0–5 ms: %s", strings.TrimSpace(out))
}

// runDaemonHelper runs a helper process and returns its stdout, failing
// the test if it fails.
func runDaemonHelper(t *testing.T, name string) string {
	t.Helper()
	out, err := helperOutput(t, name)
	if ee, ok := err.(*exec.ExitError); ok {
		require.NoError(t, err, "helper %s\nstdout:\n%s\nstderr:\n%s", name, out, ee.Stderr)
	}
	require.NoError(t, err)
	return string(out)
}

// daemonHelper is the helper process: a subreaper with a ModeReapAll context.
// With adopt, it forks without the parent and calls Adopt after the delay.
func daemonHelper(adopt bool) int {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "prctl:", err)
		return 2
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	l, err := loop.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var mu sync.Mutex
	own, ownOK, foreign, foreignOK := 0, 0, map[int]bool{}, 0
	allIn := make(chan struct{})
	check := func() { // mu held
		if own+len(foreign) == 2*daemonCount {
			close(allIn)
		}
	}
	ctx, err := childproc.New(l, childproc.Config{
		Mode: childproc.ModeReapAll,
		OnForeignExit: func(pid int, st childproc.Status) {
			mu.Lock()
			defer mu.Unlock()
			foreign[pid] = true
			if st.Code == 7 && st.Exited() {
				foreignOK++
			}
			check()
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	go l.Run()
	onExit := func(_ *childproc.Child, st childproc.Status) {
		mu.Lock()
		defer mu.Unlock()
		own++
		if st.Success() {
			ownOK++
		}
		check()
	}
	lost := 0
	for i := 0; i < daemonCount; i++ {
		var s noexec.Steps
		// The daemon prints its pid on fd 3, then exits with 7.
		s.Setsid().Fork().Dup2(int(pw.Fd()), 3).Exec("/bin/sh", []string{"sh", "-c", "echo $$ >&3; exit 7"}, nil)
		delay := time.Duration(rand.IntN(5000)) * time.Microsecond
		if !adopt {
			if _, err := ctx.ForkNoexec(&s, onExit); err != nil {
				fmt.Fprintln(os.Stderr, "ForkNoexec:", err)
				return 2
			}
			time.Sleep(delay)
			continue
		}
		pid, err := s.Start()
		if err != nil {
			fmt.Fprintln(os.Stderr, "fork:", err)
			return 2
		}
		time.Sleep(delay)
		if _, err := ctx.Adopt(pid, onExit); err != nil {
			lost++
			mu.Lock()
			own++ // its status went to OnForeignExit instead
			check()
			mu.Unlock()
		}
	}
	pw.Close()
	printed := map[int]bool{}
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if pid, err := strconv.Atoi(sc.Text()); err == nil {
			printed[pid] = true
		}
	}
	if adopt {
		select {
		case <-allIn:
		case <-time.After(hangGuard / 2):
		}
		mu.Lock()
		fmt.Printf("%d of %d Adopt calls came too late (the middle child was reaped as foreign)\n", lost, daemonCount)
		mu.Unlock()
		return 0
	}
	select {
	case <-allIn:
	case <-time.After(hangGuard / 2):
		fmt.Fprintln(os.Stderr, "timed out waiting for exits")
	}
	mu.Lock()
	defer mu.Unlock()
	matched := 0
	for pid := range foreign {
		if printed[pid] {
			matched++
		}
	}
	fmt.Printf("own %d exit0 %d\n", own, ownOK)
	fmt.Printf("foreign %d exit7 %d matched %d\n", len(foreign), foreignOK, matched)
	if err := ctx.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "Close:", err)
		return 2
	}
	if err := testutil.NoChildren(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return 0
}

// helperOutput runs helper name, killed after hangGuard, and returns its
// stdout and exit error.
func helperOutput(t *testing.T, name string) ([]byte, error) {
	t.Helper()
	cmd := testutil.HelperCommand(t, name)
	timer := time.AfterFunc(hangGuard, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	return cmd.Output()
}
