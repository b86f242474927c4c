//go:build linux

package childproc_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/childloop/childloop/loop"
	"github.com/childloop/childloop/noexec"
)

func init() {
	orphans, all := childproc.ModeOrphans, childproc.ModeReapAll
	helpers["orphans-exec"] = func([]string) int { return orphansHelper(orphans, orphansExec) }
	helpers["orphans-exec-reapall"] = func([]string) int { return orphansHelper(all, orphansExec) }
	helpers["orphans-forkexec"] = func([]string) int { return orphansHelper(orphans, orphansForkExec) }
	helpers["orphans-burst"] = func([]string) int { return orphansHelper(orphans, orphansBurst) }
	helpers["orphans-burst-reapall"] = func([]string) int { return orphansHelper(all, orphansBurst) }
	helpers["orphans-second"] = func([]string) int { return orphansHelper(orphans, orphansSecond) }
}

// In a subreaper, a ModeOrphans parent reaps the orphans that exit around
// os/exec commands and takes nothing from them: 300 os/exec Runs from 8
// goroutines, os/exec children still running through the orphans' exits,
// and the parent's own children, while 300 orphans exit. Every status goes
// to exactly its owner, once.
func TestOrphansBesideOSExec(t *testing.T) {
	out := runDaemonHelper(t, "orphans-exec")
	t.Log(strings.TrimSpace(out))
	assert.Contains(t, out, "os/exec 300 ok 300 errors 0\n")
	assert.Contains(t, out, "running os/exec 20 ok 20\n")
	assert.Contains(t, out, "own 50 exit5 50\n")
	assert.Contains(t, out, "orphans 300 exit7 300 twice 0 strangers 0\n")
	// The control: ModeReapAll's wait4(-1) takes os/exec's statuses.
	out = runHelperAnyway(t, "orphans-exec-reapall")
	t.Logf("the same with ModeReapAll (a control, not asserted):\n%s", strings.TrimSpace(out))
}

// runHelperAnyway is runDaemonHelper for a helper expected to fail: its
// stdout, whatever its exit status.
func runHelperAnyway(t *testing.T, name string) string {
	t.Helper()
	out, _ := helperOutput(t, name)
	return string(out)
}

// A child that other code started without a pidfd is reaped as an orphan
// unless it was left alone; one left alone keeps its status for its owner.
func TestOrphansLeaveAlone(t *testing.T) {
	out := runDaemonHelper(t, "orphans-forkexec")
	assert.Equal(t, "left alone: not reaped, owner's wait4 exit 3\nnot left alone: reaped as an orphan, exit 4\n", out)
}

// 10000 orphans exiting in bursts of 1000 are all reaped; the parent's CPU
// per orphan is reported, not asserted.
func TestOrphansBursts(t *testing.T) {
	out := runDaemonHelper(t, "orphans-burst")
	t.Logf("ModeOrphans: %s", strings.TrimSpace(out))
	assert.Contains(t, out, "orphans 10000 exit7 10000\n")
	out = runDaemonHelper(t, "orphans-burst-reapall")
	t.Logf("ModeReapAll, for comparison: %s", strings.TrimSpace(out))
}

// Misuse: the mode outside a subreaper, beside a ModeReapAll parent,
// without OnForeignExit; LeaveAlone on another mode.
func TestOrphansRefusals(t *testing.T) {
	l := childproc.StartLoop(t)
	onForeign := func(int, childproc.Status) {}
	_, err := childproc.New(l, childproc.Config{Mode: childproc.ModeOrphans, OnForeignExit: onForeign})
	require.ErrorIs(t, err, os.ErrInvalid, "not a subreaper")
	assert.Contains(t, err.Error(), "PR_SET_CHILD_SUBREAPER")
	_, err = childproc.New(l, childproc.Config{Mode: childproc.ModeOrphans})
	assert.ErrorIs(t, err, os.ErrInvalid, "no OnForeignExit")
	c := newParent(t, l, parentOf{})
	assert.ErrorIs(t, c.LeaveAlone(os.Getpid()), os.ErrInvalid, "LeaveAlone with ModeOwn")
	out := runDaemonHelper(t, "orphans-second")
	assert.Equal(t, "second: childproc: another parent already reaps every child\n", out)
}

// orphanRig is a helper process's subreaper with a ModeOrphans parent.
type orphanRig struct {
	l        *loop.Loop
	c        *childproc.Parent
	mu       sync.Mutex
	foreign  map[int][]childproc.Status
	reported chan struct{} // a token per foreign exit
}

func orphansHelper(mode childproc.Mode, run func(r *orphanRig) error) int {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "prctl:", err)
		return 2
	}
	l, err := loop.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	r := &orphanRig{l: l, foreign: map[int][]childproc.Status{}, reported: make(chan struct{}, 1<<16)}
	r.c, err = childproc.New(l, childproc.Config{Mode: mode, OnForeignExit: func(pid int, st childproc.Status) {
		r.mu.Lock()
		r.foreign[pid] = append(r.foreign[pid], st)
		r.mu.Unlock()
		r.reported <- struct{}{}
	}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "New:", err)
		return 2
	}
	go l.Run()
	if err := run(r); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := r.c.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "Close:", err)
		return 1
	}
	l.Stop()
	if err := testutil.NoChildren(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// waitForeign waits until n foreign exits were reported in all.
func (r *orphanRig) waitForeign(n int) error {
	deadline := time.After(hangGuard / 2)
	for {
		r.mu.Lock()
		got := 0
		for _, sts := range r.foreign {
			got += len(sts)
		}
		r.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-r.reported:
		case <-deadline:
			return fmt.Errorf("%d of %d foreign exits reported", got, n)
		}
	}
}

func orphansExec(r *orphanRig) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var execOK, execErrs int
	var errs []string
	// os/exec children that run through the orphans' exits.
	var running []*exec.Cmd
	for range 20 {
		cmd := exec.Command("sleep", "0.3")
		if err := cmd.Start(); err != nil {
			return err
		}
		running = append(running, cmd)
	}
	// 300 orphans, each printed by the shell that made it (an os/exec
	// child too), which exits at once: they block reading fd 3 until
	// released, so that each surely outlives its maker (a shell may reap
	// a background job that ends before it does).
	hold, release, err := os.Pipe()
	if err != nil {
		return err
	}
	orphans := map[int]bool{}
	var makers sync.WaitGroup
	for g := range 4 {
		makers.Go(func() {
			for i := g; i < 300; i += 4 {
				maker := exec.Command("sh", "-c", fmt.Sprintf("sh -c 'read x <&3; sleep 0.0%02d; exit 7' >/dev/null 2>&1 & echo $!", i%20))
				maker.ExtraFiles = []*os.File{hold}
				out, err := maker.Output()
				pid, perr := strconv.Atoi(strings.TrimSpace(string(out)))
				mu.Lock()
				if err != nil || perr != nil {
					errs = append(errs, fmt.Sprintf("orphan maker: %v %v", err, perr))
				} else {
					orphans[pid] = true
				}
				mu.Unlock()
			}
		})
	}
	makers.Wait()
	hold.Close()
	for g := range 8 {
		if g == 4 {
			release.Close() // the orphans exit among the os/exec children
		}
		wg.Go(func() {
			for i := g; i < 300; i += 8 {
				code := i % 50
				err := exec.Command("sh", "-c", "sleep 0.002; exit "+strconv.Itoa(code)).Run()
				var ee *exec.ExitError
				mu.Lock()
				switch {
				case code == 0 && err == nil, code != 0 && errors.As(err, &ee) && ee.ExitCode() == code:
					execOK++
				default:
					execErrs++
					errs = append(errs, fmt.Sprintf("exit %d: %v", code, err))
				}
				mu.Unlock()
			}
		})
	}
	// The parent's own children.
	own := newRecorderOf()
	for range 50 {
		if _, err := r.c.Spawn(shell("exit 5", own.onExit)); err != nil {
			return err
		}
	}
	wg.Wait()
	runningOK := 0
	for _, cmd := range running {
		if err := cmd.Wait(); err == nil {
			runningOK++
		} else {
			errs = append(errs, "running os/exec child: "+err.Error())
		}
	}
	if err := r.waitForeign(len(orphans)); err != nil {
		errs = append(errs, err.Error())
		r.mu.Lock()
		for pid := range orphans {
			if _, ok := r.foreign[pid]; !ok {
				st, serr := testutil.ReadProcStat(pid)
				errs = append(errs, fmt.Sprintf("missing orphan %d: %v %v (self %d)", pid, st, serr, os.Getpid()))
			}
		}
		r.mu.Unlock()
	}
	own.wait(50)
	r.mu.Lock()
	exit7, twice, strangers := 0, 0, 0
	for pid, sts := range r.foreign {
		if !orphans[pid] {
			strangers++
			errs = append(errs, fmt.Sprintf("reaped pid %d, not an orphan: %v", pid, sts))
			continue
		}
		if len(sts) > 1 {
			twice++
		}
		if sts[0].Exited() && sts[0].Code == 7 {
			exit7++
		}
	}
	r.mu.Unlock()
	fmt.Printf("os/exec %d ok %d errors %d\n", execOK+execErrs, execOK, execErrs)
	fmt.Printf("running os/exec %d ok %d\n", len(running), runningOK)
	fmt.Printf("own %d exit5 %d\n", own.n, own.code(5))
	fmt.Printf("orphans %d exit7 %d twice %d strangers %d\n", len(orphans), exit7, twice, strangers)
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}

func orphansForkExec(r *orphanRig) error {
	start := func(code int) (int, error) {
		return syscall.ForkExec("/bin/sh", []string{"sh", "-c", "sleep 0.1; exit " + strconv.Itoa(code)},
			&syscall.ProcAttr{Env: os.Environ()})
	}
	alone, err := start(3)
	if err != nil {
		return err
	}
	if err := r.c.LeaveAlone(alone); err != nil {
		return err
	}
	other, err := start(4)
	if err != nil {
		return err
	}
	if err := r.waitForeign(1); err != nil {
		return err
	}
	if err := testutil.WaitExited(alone); err != nil {
		return err
	}
	// Give the parent passes after the exit: a SIGCHLD came with it.
	time.Sleep(100 * time.Millisecond)
	r.mu.Lock()
	_, aloneReaped := r.foreign[alone]
	sts := r.foreign[other]
	r.mu.Unlock()
	ws, err := testutil.Reap(alone)
	switch {
	case aloneReaped || err != nil:
		fmt.Printf("left alone: reaped by the parent (%v)\n", err)
	default:
		fmt.Printf("left alone: not reaped, owner's wait4 exit %d\n", ws.ExitStatus())
	}
	if len(sts) == 1 {
		fmt.Printf("not left alone: reaped as an orphan, exit %d\n", sts[0].Code)
	} else {
		fmt.Printf("not left alone: %d reports\n", len(sts))
	}
	return nil
}

func orphansBurst(r *orphanRig) error {
	const bursts, per = 10, 1000
	own := newRecorderOf()
	var cpu time.Duration
	start := time.Now()
	for b := range bursts {
		before := selfCPU()
		for range per {
			var s noexec.Steps
			s.Fork().Exit(7) // the middle child exits 0, the orphan 7
			if _, err := r.c.ForkNoexec(&s, own.onExit); err != nil {
				return err
			}
		}
		if err := r.waitForeign((b + 1) * per); err != nil {
			return err
		}
		cpu += selfCPU() - before
	}
	own.wait(bursts * per)
	// Count statuses, not pids: 10000 orphans and their middle
	// children use 20000 pids, and pid numbers wrap (pid_max is often
	// 32768), so one pid can be two orphans. A status reported twice
	// shows as more than 10000.
	time.Sleep(10 * time.Millisecond) // room for a second report of the last ones
	r.mu.Lock()
	n, exit7 := 0, 0
	for _, sts := range r.foreign {
		for _, st := range sts {
			n++
			if st.Code == 7 {
				exit7++
			}
		}
	}
	r.mu.Unlock()
	fmt.Printf("orphans %d exit7 %d\n", n, exit7)
	fmt.Printf("in %v; this process's CPU per orphan (forking its middle child included) %v\n",
		time.Since(start).Round(time.Millisecond), (cpu / time.Duration(n)).Round(100*time.Nanosecond))
	return nil
}

func orphansSecond(r *orphanRig) error {
	_, err := childproc.New(r.l, childproc.Config{Mode: childproc.ModeReapAll, OnForeignExit: func(int, childproc.Status) {}})
	if !errors.Is(err, childproc.ErrReapAllInUse) {
		return fmt.Errorf("a ModeReapAll parent beside ModeOrphans: %v", err)
	}
	fmt.Printf("second: %v\n", err)
	return nil
}

// selfCPU is this process's user and system CPU so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// recorderOf counts OnExit calls and their codes, for helpers (which
// have no testing.T).
type recorderOf struct {
	mu    sync.Mutex
	n     int
	codes map[int]int
	kick  chan struct{}
}

func newRecorderOf() *recorderOf {
	return &recorderOf{codes: map[int]int{}, kick: make(chan struct{}, 1<<16)}
}

func (o *recorderOf) onExit(_ *childproc.Child, st childproc.Status) {
	o.mu.Lock()
	o.n++
	o.codes[st.Code]++
	o.mu.Unlock()
	o.kick <- struct{}{}
}

func (o *recorderOf) code(c int) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.codes[c]
}

func (o *recorderOf) wait(n int) {
	deadline := time.After(hangGuard / 2)
	for {
		o.mu.Lock()
		got := o.n
		o.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-o.kick:
		case <-deadline:
			return
		}
	}
}
