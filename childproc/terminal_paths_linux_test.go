package childproc_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/knob"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/childloop/childloop/loop"
)

func init() {
	helpers["tty-orphans"] = func(args []string) int {
		return orphansHelper(childproc.ModeOrphans, func(r *orphanRig) error {
			if err := ttyRounds(r.c, ttyRoundsN, nil); err != nil {
				return err
			}
			fmt.Printf("rounds %d complete\n", ttyRoundsN)
			return nil
		})
	}
	helpers["tty-500"] = func([]string) int { return helperReport(manyTerminals(500)) }
	helpers["tty-max"] = func([]string) int { return helperReport(ptyLimit()) }
}

// ttyRoundsN is how many children in a row each reap path runs.
const ttyRoundsN = 200

// ttyData is what each child writes: 1 MiB without "\n" (which the
// terminal would turn into "\r\n").
var ttyData = func() []byte {
	b := make([]byte, 1<<20)
	const abc = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for i := range b {
		b[i] = abc[i%len(abc)]
	}
	return b
}()

// ttyRounds runs n children in a row that each write ttyData to their
// terminal and exit at once (cat of a file): the output must be complete
// every time. pump, if not nil, is a ModeApp parent's SIGCHLD pump, called
// until the round's child is done.
func ttyRounds(c *childproc.Parent, n int, pump func(stop <-chan struct{})) error {
	dir, err := os.MkdirTemp("", "childloop-tty")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "data")
	if err := os.WriteFile(file, ttyData, 0o600); err != nil {
		return err
	}
	for i := range n {
		done := make(chan *childproc.Result, 1)
		term := &childproc.Terminal{Rows: 24, Cols: 80, Output: &childproc.Output{Limit: 2 << 20}}
		_, err := c.Spawn(&childproc.Cmd{Path: "/bin/cat", Args: []string{"cat", file},
			Stdin: term, Stdout: term, Stderr: term,
			OnDone: func(_ *childproc.Child, r *childproc.Result) { done <- r }})
		if err != nil {
			return fmt.Errorf("round %d: %w", i, err)
		}
		stop := make(chan struct{})
		if pump != nil {
			go pump(stop)
		}
		var r *childproc.Result
		select {
		case r = <-done:
		case <-time.After(hangGuard / 4):
			return fmt.Errorf("round %d: OnDone never ran", i)
		}
		close(stop)
		switch {
		case r.Status.Code != 0 || r.Status.Err != nil:
			return fmt.Errorf("round %d: status %v", i, r.Status)
		case r.Cut:
			return fmt.Errorf("round %d: cut", i)
		case !bytes.Equal(r.Stdout, ttyData):
			return fmt.Errorf("round %d: %d of %d bytes arrived (total %d)", i, len(r.Stdout), len(ttyData), r.StdoutTotal)
		}
	}
	return nil
}

// A child that writes 1 MiB to its terminal and exits at once: every byte
// arrives, 200 times in a row, on every reap path: pidfds, the per-pid
// scan (SIGCHLD relayed or raw), ModeReapAll, ModeApp fed by the
// application's SIGCHLD, and ModeOrphans (in a subreaper helper).
func TestTerminalNothingLost(t *testing.T) {
	forVariants(t, func(t *testing.T, v variant) {
		l := childproc.StartLoop(t)
		c := newParent(t, l, parentOf{Strategy: v.strategy})
		require.NoError(t, ttyRounds(c, ttyRoundsN, nil))
	})
	t.Run("ModeReapAll", func(t *testing.T) {
		l := childproc.StartLoop(t)
		c := newParent(t, l, parentOf{Mode: childproc.ModeReapAll, Foreign: func(int, childproc.Status) {}})
		require.NoError(t, ttyRounds(c, ttyRoundsN, nil))
	})
	t.Run("ModeApp", func(t *testing.T) {
		l := childproc.StartLoop(t)
		c := newParent(t, l, parentOf{Mode: childproc.ModeApp, Strategy: knob.StrategyScan})
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGCHLD)
		defer signal.Stop(sigs)
		pump := func(stop <-chan struct{}) {
			for {
				// A SIGCHLD may have come before this pump started: look
				// once at the start, then at each signal.
				_ = c.SigchldOccurred()
				select {
				case <-sigs:
				case <-stop:
					return
				}
			}
		}
		require.NoError(t, ttyRounds(c, ttyRoundsN, pump))
	})
	t.Run("ModeOrphans", func(t *testing.T) {
		out := runDaemonHelper(t, "tty-orphans")
		assert.Contains(t, out, fmt.Sprintf("rounds %d complete\n", ttyRoundsN))
	})
}

// A stop reaches the terminal child's descendants: the child leads a
// session and its own group, which TreeGroup signals, and TreeCgroup its
// cgroup.
func TestTerminalTrees(t *testing.T) {
	for _, tree := range []childproc.Tree{childproc.TreeGroup, childproc.TreeCgroup} {
		t.Run(tree.String(), func(t *testing.T) {
			l := childproc.StartLoop(t)
			c, err := childproc.New(l, childproc.Config{Tree: tree})
			if err != nil || c.Tree() != tree {
				t.Skipf("no %v here: %v", tree, err)
			}
			t.Cleanup(func() { c.Close() })
			d := newRecorder()
			var out syncBuffer
			cmd, term := onTerminal(`sleep 30 & echo bg $!; wait`, d)
			term.Output = &out
			ch, err := c.Spawn(cmd)
			require.NoError(t, err)
			out.waitFor(t, "\r\n")
			m := regexp.MustCompile(`bg ([0-9]+)`).FindStringSubmatch(out.String())
			require.NotNil(t, m, "output %q", out.String())
			bg, _ := strconv.Atoi(m[1])
			t.Cleanup(func() { _ = syscall.Kill(bg, syscall.SIGKILL) })
			require.NoError(t, ch.Stop(time.Second))
			r := d.result(t)
			assert.ErrorIs(t, r.Status.Cause, childproc.ErrStopped)
			assert.False(t, r.Cut, "the descendant ended with the child: nothing held the terminal")
			assert.True(t, settles(func() bool {
				st, err := testutil.ReadProcStat(bg)
				return err != nil || !st.Alive()
			}), "the background sleep %d outlived the stop", bg)
		})
	}
}

// helperReport prints a helper's result as "key value" lines; an error fails
// the helper.
func helperReport(lines []string, err error) int {
	for _, l := range lines {
		fmt.Println(l)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// manyTerminals runs n children on terminals at once (each waits for a
// line) in a fresh process, then types each its exit code. It reports the
// most OS threads and goroutines seen while they ran, against the counts
// before.
func manyTerminals(n int) ([]string, error) {
	l, err := loop.New()
	if err != nil {
		return nil, err
	}
	go l.Run()
	defer l.Stop()
	c, err := childproc.New(l, childproc.Config{})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	childproc.WarmUp()
	fdsBefore, err := testutil.OpenFDs()
	if err != nil {
		return nil, err
	}
	thBefore, grBefore := osThreads(), runtime.NumGoroutine()
	maxTh, maxGr := thBefore, grBefore
	sample := func() {
		maxTh, maxGr = max(maxTh, osThreads()), max(maxGr, runtime.NumGoroutine())
	}
	type end struct {
		code int
		r    *childproc.Result
	}
	ends := make(chan end, n)
	kids := make([]*childproc.Child, n)
	for i := range kids {
		term := &childproc.Terminal{Rows: 24, Cols: 80, Output: &childproc.Output{}, Input: &childproc.Input{Queue: 64}}
		code := i % 100
		kids[i], err = c.Spawn(&childproc.Cmd{Path: "/bin/sh", Args: []string{"sh", "-c", `read x; echo "code $x"; exit $x`},
			Stdin: term, Stdout: term, Stderr: term,
			OnDone: func(_ *childproc.Child, r *childproc.Result) { ends <- end{code, r} }})
		if err != nil {
			return nil, fmt.Errorf("spawn %d: %w", i, err)
		}
		if i%50 == 0 {
			sample()
		}
	}
	ptys := len(openPTYList())
	sample()
	for i, ch := range kids {
		if _, err := ch.WriteStdin([]byte(strconv.Itoa(i%100) + "\n")); err != nil {
			return nil, fmt.Errorf("WriteStdin %d: %w", i, err)
		}
	}
	wrong := 0
	for i := range n {
		select {
		case e := <-ends:
			want := fmt.Sprintf("code %d\r\n", e.code)
			if e.r.Status.Code != e.code || e.r.Cut || !strings.Contains(string(e.r.Stdout), want) {
				wrong++
			}
		case <-time.After(hangGuard / 2):
			return nil, fmt.Errorf("%d of %d children done", i, n)
		}
		if i%50 == 0 {
			sample()
		}
	}
	// The last fds close on the loop goroutine just after OnDone.
	var fdsAfter []int
	for range 1000 {
		if fdsAfter, err = testutil.OpenFDs(); err != nil || len(fdsAfter) == len(fdsBefore) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	return []string{
		fmt.Sprintf("children %d wrong %d", n, wrong),
		fmt.Sprintf("terminal fds while running %d after %d", ptys, len(openPTYList())),
		fmt.Sprintf("threads before %d max %d", thBefore, maxTh),
		fmt.Sprintf("goroutines before %d max %d", grBefore, maxGr),
		fmt.Sprintf("fds before %d after %d", len(fdsBefore), len(fdsAfter)),
	}, err
}

// 500 children on terminals at once, in a fresh process: at most 8 OS
// threads, no goroutine per terminal, every status and output right, and
// afterwards no terminal and no other new fd left open.
func TestTerminalMany(t *testing.T) {
	out := runDaemonHelper(t, "tty-500")
	t.Log(strings.TrimSpace(out))
	assert.Contains(t, out, "children 500 wrong 0\n")
	var ptys, ptysAfter, thBefore, thMax, grBefore, grMax, fdBefore, fdAfter int
	_, err := fmt.Sscanf(out[strings.Index(out, "terminal fds"):],
		"terminal fds while running %d after %d\nthreads before %d max %d\ngoroutines before %d max %d\nfds before %d after %d\n",
		&ptys, &ptysAfter, &thBefore, &thMax, &grBefore, &grMax, &fdBefore, &fdAfter)
	require.NoError(t, err, "helper output")
	assert.GreaterOrEqual(t, ptys, 1000, "a master and the parent's slave per live child")
	assert.Zero(t, ptysAfter, "terminal fds left open")
	assert.LessOrEqual(t, thMax, 8, "OS threads")
	assert.LessOrEqual(t, grMax, grBefore+2, "goroutines: none per terminal")
	assert.Equal(t, fdBefore, fdAfter, "fds back to the baseline")
}

// openPTYList lists this process's fds on a terminal (/dev/pts/N or
// /dev/ptmx).
func openPTYList() []string {
	ents, _ := os.ReadDir("/proc/self/fd")
	var found []string
	for _, e := range ents {
		target, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err == nil && (strings.HasPrefix(target, "/dev/pts/") || target == "/dev/ptmx") {
			found = append(found, e.Name()+" -> "+target)
		}
	}
	return found
}

// ptyLimit runs, in a private mount namespace, on a devpts instance that
// allows 3 terminals: 3 children start, the 4th Spawn fails with a clear
// error and starts nothing.
func ptyLimit() ([]string, error) {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return nil, fmt.Errorf("make / private: %w", err)
	}
	if err := unix.Mount("devpts", "/dev/pts", "devpts", 0, "newinstance,ptmxmode=0666,max=3"); err != nil {
		return nil, fmt.Errorf("mount devpts: %w", err)
	}
	if err := unix.Mount("/dev/pts/ptmx", "/dev/ptmx", "", unix.MS_BIND, ""); err != nil {
		return nil, fmt.Errorf("bind ptmx: %w", err)
	}
	l, err := loop.New()
	if err != nil {
		return nil, err
	}
	go l.Run()
	defer l.Stop()
	spawns := 0
	c, err := childproc.New(l, childproc.Config{Tree: childproc.TreeGroup,
		Spawn: func(argv0 string, argv []string, attr *syscall.ProcAttr) (int, error) {
			spawns++
			return childproc.ForkExec(argv0, argv, attr)
		}})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	childproc.WarmUp()
	ended := make(chan struct{}, 8)
	spawn := func() (*childproc.Child, error) {
		term := &childproc.Terminal{Rows: 24, Cols: 80}
		return c.Spawn(&childproc.Cmd{Path: "/bin/sleep", Args: []string{"sleep", "30"},
			Stdin: term, Stdout: term, Stderr: term,
			OnDone: func(*childproc.Child, *childproc.Result) { ended <- struct{}{} }})
	}
	var kids []*childproc.Child
	for range 3 {
		ch, err := spawn()
		if err != nil {
			return nil, fmt.Errorf("spawn within the limit: %w", err)
		}
		kids = append(kids, ch)
	}
	fdsBefore, err := testutil.OpenFDs()
	if err != nil {
		return nil, err
	}
	_, spawnErr := spawn()
	fdsAfter, err := testutil.OpenFDs()
	if err != nil {
		return nil, err
	}
	lines := []string{
		fmt.Sprintf("error %v", spawnErr),
		fmt.Sprintf("ENOSPC %v", errors.Is(spawnErr, syscall.ENOSPC)),
		fmt.Sprintf("spawns %d", spawns),
		fmt.Sprintf("fds same %v", len(fdsBefore) == len(fdsAfter)),
	}
	for _, ch := range kids {
		_ = ch.Stop(0)
	}
	for range kids {
		<-ended
	}
	// With one freed, a terminal is to be had again.
	ch, err := spawn()
	if err == nil {
		_ = ch.Stop(0)
		<-ended
	}
	lines = append(lines, fmt.Sprintf("after freeing %v", err))
	return lines, nil
}

// Running out of terminals (a devpts instance with max=3, in a private
// mount namespace) is a clear error that starts nothing and leaves no fd.
func TestTerminalLimit(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a devpts instance")
	}
	cmd := testutil.HelperCommand(t, "tty-max")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		require.NoError(t, err, "stdout:\n%s\nstderr:\n%s", out, ee.Stderr)
	}
	require.NoError(t, err)
	t.Log(strings.TrimSpace(string(out)))
	assert.Regexp(t, `error childproc: spawn: terminal: open /dev/ptmx: no space left on device \(.*kernel.pty.max.*\)\n`, string(out))
	assert.Contains(t, string(out), "ENOSPC true\n")
	assert.Contains(t, string(out), "spawns 3\n")
	assert.Contains(t, string(out), "fds same true\n")
	assert.Contains(t, string(out), "after freeing <nil>\n")
}

// osThreads is this process's OS thread count, for helpers.
func osThreads() int { return testutil.SelfStatus("Threads")["Threads"] }
