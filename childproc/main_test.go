//go:build linux

package childproc_test

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/knob"
	"github.com/childloop/childloop/internal/spawn"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/sys/unix"
)

// helpers are what a re-executed test binary runs instead of the tests
// (testutil.RunHelperIfChild).
var helpers = map[string]testutil.Helper{
	"daemons":       func([]string) int { return daemonHelper(false) },
	"daemons-adopt": func([]string) int { return daemonHelper(true) },
	"burn":          burnHelper,
	"touch":         touchHelper,
}

func TestMain(m *testing.M) {
	testutil.RunHelperIfChild(helpers)
	// Where the Go runtime raised RLIMIT_NOFILE, spawns would otherwise all
	// take the syscall.ForkExec fallback (see internal/spawn).
	if err := spawn.NofileToHard(); err != nil {
		fmt.Fprintln(os.Stderr, "setrlimit:", err)
		os.Exit(2)
	}
	goleak.VerifyTestMain(m)
}

// hangGuard bounds every wait in these tests. It is not a speed assertion:
// it only turns a lost exit into a failure instead of a hung test binary.
const hangGuard = 120 * time.Second

// variant is one signal-source × reap-strategy combination.
type variant struct {
	name     string
	strategy knob.Strategy
	source   knob.Source
}

// allVariants lists every combination.
var allVariants = []variant{
	{"scan-relay", knob.StrategyScan, knob.SourceRelay},
	{"scan-raw", knob.StrategyScan, knob.SourceRaw},
	{"pidfd", knob.StrategyPidfd, knob.SourceAuto},
}

// variants lists the combinations this machine can run (benchmarks).
func variants() []variant {
	var v []variant
	for _, x := range allVariants {
		if unsupported(x) == "" {
			v = append(v, x)
		}
	}
	return v
}

// unsupported says why this machine cannot run v, or "".
func unsupported(v variant) string {
	switch {
	case v.source == knob.SourceRaw && !knob.SourceSupported(knob.SourceRaw):
		return "no raw SIGCHLD handler on " + runtime.GOARCH
	case v.strategy == knob.StrategyPidfd && !pidfdOK():
		return "the kernel has no pidfds (Linux < 5.4)"
	}
	return ""
}

func pidfdOK() bool {
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
}

// forVariants runs f once per variant with the variant's signal source set.
// A variant this machine cannot run is a visible skip; on linux/amd64 and
// linux/arm64 with pidfds (every CI machine) none is.
func forVariants(t *testing.T, f func(t *testing.T, v variant)) {
	forSomeVariants(t, func(variant) bool { return true }, f)
}

// forSignalVariants is forVariants over the variants that learn of exits
// through the SIGCHLD self-pipe (not pidfd).
func forSignalVariants(t *testing.T, f func(t *testing.T, v variant)) {
	forSomeVariants(t, func(v variant) bool { return v.strategy != knob.StrategyPidfd }, f)
}

func forSomeVariants(t *testing.T, keep func(variant) bool, f func(t *testing.T, v variant)) {
	for _, v := range allVariants {
		if !keep(v) {
			continue
		}
		t.Run(v.name, func(t *testing.T) {
			if why := unsupported(v); why != "" {
				t.Skip(why)
			}
			require.NoError(t, knob.SetSource(v.source))
			t.Cleanup(func() { _ = knob.SetSource(knob.SourceAuto) })
			f(t, v)
		})
	}
}

// parentOf says which parent newParent makes; the zero value is the
// default Config with the process's reap strategy.
type parentOf struct {
	Mode     childproc.Mode
	Strategy knob.Strategy
	Foreign  func(int, childproc.Status) // Config.OnForeignExit, for ModeReapAll
}

// newParent makes the parent p describes on ev, closed when the test ends.
func newParent(t *testing.T, ev hooks.OSEvents, p parentOf) *childproc.Parent {
	t.Helper()
	c, err := childproc.NewWithStrategy(ev, childproc.Config{Mode: p.Mode, OnForeignExit: p.Foreign}, p.Strategy)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// result is one callback as the tests record it: OnExit's status (res
// nil), or OnDone's Result.
type result struct {
	ctx     *childproc.Parent
	pid     int
	st      childproc.Status
	res     *childproc.Result
	elapsed time.Duration // since the recorder was made
}

// recorder is how these tests learn that children ended: it records every
// OnExit and OnDone by pid and lets a test wait for them.
type recorder struct {
	*testutil.Recorder[result]
	start time.Time
	done  chan struct{} // closed by the first OnDone
	once  sync.Once
}

func newRecorder() *recorder {
	return &recorder{Recorder: testutil.NewRecorder[result](), start: time.Now(), done: make(chan struct{})}
}

// onExit is an OnExit callback recording c as the parent that reported.
func (r *recorder) onExit(c *childproc.Parent) func(*childproc.Child, childproc.Status) {
	return func(ch *childproc.Child, st childproc.Status) { r.add(c, ch.Pid(), st) }
}

func (r *recorder) add(c *childproc.Parent, pid int, st childproc.Status) {
	r.Add(pid, result{ctx: c, pid: pid, st: st, elapsed: time.Since(r.start)})
}

// onDone is an OnDone callback.
func (r *recorder) onDone(ch *childproc.Child, res *childproc.Result) {
	r.Add(ch.Pid(), result{pid: ch.Pid(), res: res, elapsed: time.Since(r.start)})
	r.once.Do(func() { close(r.done) })
}

// wait blocks until n callbacks have been recorded.
func (r *recorder) wait(t *testing.T, n int) {
	t.Helper()
	r.Wait(t, n, hangGuard)
}

// of waits for pid's first callback and returns it.
func (r *recorder) of(t *testing.T, pid int) result {
	t.Helper()
	return r.WaitKey(t, pid, hangGuard)
}

// ended waits for the first callback and returns it: for a recorder of
// one child's OnExit.
func (r *recorder) ended(t *testing.T) result {
	t.Helper()
	r.wait(t, 1)
	for _, rs := range r.All() {
		return rs[0]
	}
	panic("unreachable")
}

// result waits for the one child's OnDone and returns its Result, checking
// that OnExit came first and that each ran once.
func (r *recorder) result(t *testing.T) *childproc.Result {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(hangGuard):
		require.FailNow(t, "OnDone never ran")
	}
	all := r.All()
	require.Len(t, all, 1, "children reported")
	for _, rs := range all {
		require.Len(t, rs, 2, "callbacks %v", rs)
		require.Nil(t, rs[0].res, "OnDone ran before OnExit")
		return rs[1].res
	}
	panic("unreachable")
}

// shell returns a Cmd running sh -c script.
func shell(script string, onExit func(*childproc.Child, childproc.Status)) *childproc.Cmd {
	return &childproc.Cmd{Path: "/bin/sh", Args: []string{"sh", "-c", script}, OnExit: onExit}
}

// openFDs lists this process's open fds, with the one the library opens
// once per process (/dev/null, for stdio) already open.
func openFDs(t *testing.T) []int {
	t.Helper()
	childproc.WarmUp()
	fds, err := testutil.OpenFDs()
	require.NoError(t, err)
	return fds
}

func childHooks(m childproc.Mode) childproc.Config { return childproc.ConfigOf(m, nil, nil) }
