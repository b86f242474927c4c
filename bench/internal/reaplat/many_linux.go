package reaplat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/childloop/childloop/bench/internal/child"
	"github.com/childloop/childloop/bench/internal/harness"
	"github.com/childloop/childloop/internal/spawn"
	"golang.org/x/sys/unix"
)

// The helper mode: reaplat re-executes its own binary with these variables
// set to run one Go row's Many function in a process of its own.
const (
	envManyRow   = "REAPLAT_MANY_ROW"
	envManyN     = "REAPLAT_MANY_N"
	envManyChild = "REAPLAT_MANY_CHILD"
)

// Helper runs the many or the pty helper mode if this process was started
// as one (see runManyPoint and runPtyHelper), returning its exit code and
// true; otherwise it returns false at once. Main calls it first; a test
// binary that runs Main must call it from TestMain.
func Helper(rows []harness.Row) (int, bool) {
	if code, ok := ptyHelper(); ok {
		return code, true
	}
	name, ok := os.LookupEnv(envManyRow)
	if !ok {
		return 0, false
	}
	if err := manyHelper(rows, name); err != nil {
		fmt.Fprintln(os.Stderr, "reaplat many helper:", err)
		return 1, true
	}
	return 0, true
}

// manyHelper is the helper process: the protocol of the peer drivers'
// many mode (bench/peers) around the row's Many function.
func manyHelper(rows []harness.Row, name string) error {
	var m *harness.Row
	for i := range rows {
		if rows[i].Name == name && rows[i].Many != nil {
			m = &rows[i]
		}
	}
	if m == nil {
		return fmt.Errorf("no many row %q", name)
	}
	n, err := strconv.Atoi(os.Getenv(envManyN))
	if err != nil {
		return err
	}
	// The measuring process raised RLIMIT_NOFILE (prlimit) before the
	// go line; as in Main, make sure soft = hard for internal/spawn.
	_ = spawn.NofileToHard()
	stdin := os.NewFile(3, "shared stdin")
	out := func(format string, a ...any) { fmt.Printf(format+"\n", a...) }
	out(`{"ready":true}`)
	if _, err := io.ReadFull(os.Stdin, make([]byte, 1)); err != nil {
		return fmt.Errorf("waiting for the go line: %w", err)
	}
	t0 := time.Now()
	cfg := harness.ManyConfig{N: n, Path: os.Getenv(envManyChild), Stdin: stdin,
		Started: func() {
			out(`{"started":%d,"start_ns":%d}`, n, time.Since(t0).Nanoseconds())
			// The measuring process closes its stdin pipe once it has
			// released the children: nothing to wait for here, the
			// exits come when they come.
		}}
	counts, err := m.Many(context.Background(), cfg)
	last := monoNow()
	if err != nil {
		return err
	}
	out(`{"exited":%d,"failed":%d,"last_exit_mono_ns":%d}`, counts.Exited, counts.Failed, last)
	return nil
}

// monoNow is CLOCK_MONOTONIC in ns: the clock of Node's hrtime and
// Python's monotonic_ns, so that the helper's last exit and the measuring
// process's release can be subtracted across processes.
func monoNow() int64 {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano()
}

// manyLimits describes the limits that bound N here.
func manyLimits() string {
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			return "?"
		}
		return strings.TrimSpace(string(b))
	}
	var nproc, nofile unix.Rlimit
	_ = unix.Getrlimit(unix.RLIMIT_NPROC, &nproc)
	_ = unix.Getrlimit(unix.RLIMIT_NOFILE, &nofile)
	lim := func(v uint64) string {
		if v == unix.RLIM_INFINITY {
			return "unlimited"
		}
		return strconv.FormatUint(v, 10)
	}
	return fmt.Sprintf("kernel.pid_max %s, kernel.threads-max %s, fs.nr_open %s, RLIMIT_NPROC %s/%s, RLIMIT_NOFILE %s/%s (soft/hard; each helper gets N+4096 where prlimit may raise the hard limit, which needs CAP_SYS_RESOURCE, else the hard limit), euid %d%s",
		read("/proc/sys/kernel/pid_max"), read("/proc/sys/kernel/threads-max"), read("/proc/sys/fs/nr_open"),
		lim(nproc.Cur), lim(nproc.Max), lim(nofile.Cur), lim(nofile.Max), os.Geteuid(), capResource())
}

// runMany measures every row with Many or ManyPeer at every N, one helper
// process per row and N.
func runMany(ctx context.Context, opts Options, methods []harness.Row, res *Result, pr *progress) []error {
	var errs []error
	dir, err := os.MkdirTemp("", "reaplat-many-")
	if err != nil {
		return []error{err}
	}
	defer os.RemoveAll(dir)
	path, desc, err := child.WriteBlocker(dir)
	if err != nil {
		return []error{err}
	}
	res.ManyChild, res.ManyLimits = desc, manyLimits()
	// A helper that dies leaves its children to the nearest subreaper:
	// be it, so that they are reaped here rather than by whatever PID 1
	// is (or not at all).
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return []error{os.NewSyscallError("prctl(PR_SET_CHILD_SUBREAPER)", err)}
	}
	defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
	for _, m := range methods {
		if m.Many == nil && m.ManyPeer == nil {
			continue
		}
		head, ok := newRow(m)
		row := ManyRow{Row: head}
		for _, n := range opts.ManyN {
			if !ok || ctx.Err() != nil {
				break
			}
			if m.ManyMax > 0 && n > m.ManyMax {
				row.Points = append(row.Points, ManyPoint{N: n, Skipped: m.ManyMaxWhy})
				continue
			}
			pr.begin(stepKey{SectionMany, m.Name, n}, fmt.Sprintf("many: %s, %d children", m.Name, n))
			p, err := runManyPoint(ctx, m, n, path)
			pr.end()
			if err != nil {
				row.Error = fmt.Sprintf("N=%d: %v", n, err)
				errs = append(errs, fmt.Errorf("many: %s: %s", m.Name, row.Error))
				pr.drop(SectionMany, m.Name)
				break
			}
			row.Points = append(row.Points, p)
		}
		res.Many = append(res.Many, row)
	}
	return errs
}

// tailBuffer keeps the first bytes written to it (a dying Go program's
// "fatal error" line comes first; GOTRACEBACK=none keeps the rest short).
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if room := 64<<10 - t.buf.Len(); room > 0 {
		t.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}

// runManyPoint runs one helper process with n children of path. An error
// is a failure of the measurement itself; a helper that dies is a point
// with Died set.
func runManyPoint(ctx context.Context, m harness.Row, n int, path string) (ManyPoint, error) {
	p := ManyPoint{N: n}
	var cmd *exec.Cmd
	if m.ManyPeer != nil {
		c, cleanup, err := m.ManyPeer(ctx, []string{"many", strconv.Itoa(n), path})
		if err != nil {
			return p, err
		}
		defer cleanup()
		cmd = c
	} else {
		exe, err := os.Executable()
		if err != nil {
			return p, err
		}
		cmd = exec.CommandContext(ctx, exe)
		cmd.Env = append(os.Environ(), envManyRow+"="+m.Name, envManyN+"="+strconv.Itoa(n),
			envManyChild+"="+path, "GOTRACEBACK=none")
	}
	var pipe [2]int
	if err := unix.Pipe2(pipe[:], unix.O_CLOEXEC); err != nil {
		return p, os.NewSyscallError("pipe2", err)
	}
	shared := os.NewFile(uintptr(pipe[0]), "shared stdin")
	wEnd := os.NewFile(uintptr(pipe[1]), "shared stdin (write)")
	released := false
	release := func() {
		if !released {
			released = true
			wEnd.Close()
		}
	}
	defer release()
	cmd.ExtraFiles = []*os.File{shared}
	var stderr tailBuffer
	cmd.Stderr = &stderr
	ctl, err := cmd.StdinPipe()
	if err != nil {
		shared.Close()
		return p, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		shared.Close()
		return p, err
	}
	if err := cmd.Start(); err != nil {
		shared.Close()
		return p, err
	}
	shared.Close()
	pid := cmd.Process.Pid
	s := newSampler(pid)
	mr := newManyReader(stdout)
	protoErr := func() error {
		if _, err := mr.next("ready"); err != nil {
			return err
		}
		base, err := readStatus(pid)
		if err != nil {
			return err
		}
		p.BaseRSSKB = base.RSSKB
		lim := unix.Rlimit{Cur: uint64(n) + 4096, Max: uint64(n) + 4096}
		var old unix.Rlimit
		if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &old); err == nil && old.Max >= lim.Max {
			lim = old
		}
		if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &lim, nil); err != nil {
			// Raising the hard limit needs CAP_SYS_RESOURCE: without it the
			// helper gets its hard limit, and a row that needs an fd per
			// child fails on its own, saying so.
			if old.Max == 0 || unix.Prlimit(pid, unix.RLIMIT_NOFILE, &unix.Rlimit{Cur: old.Max, Max: old.Max}, nil) != nil {
				return fmt.Errorf("prlimit(RLIMIT_NOFILE, %d): %w", lim.Max, err)
			}
		}
		if _, err := ctl.Write([]byte("\n")); err != nil {
			return err
		}
		s.start()
		msg, err := mr.next("started")
		if err != nil {
			return err
		}
		p.Started, p.StartNS = *msg.Started, msg.StartNS
		st, err := readStatus(pid)
		if err != nil {
			return err
		}
		p.StartedThreads, p.StartedRSSKB = st.Threads, st.RSSKB
		p.FDs = countDir(fmt.Sprintf("/proc/%d/fd", pid))
		p.Live, p.ChildPssKB = liveChildren(pid)
		t := monoNow()
		release()
		msg, err = mr.next("exited")
		if err != nil {
			return err
		}
		p.Exited, p.Failed, p.ReleaseNS = *msg.Exited, msg.Failed, msg.LastExitM-t
		return nil
	}()
	release() // also when the helper died before it was asked to
	ctl.Close()
	if protoErr != nil {
		io.Copy(io.Discard, stdout)
	}
	werr := cmd.Wait()
	p.MaxThreads = max(s.stop(), p.StartedThreads)
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		p.PeakRSSKB = ru.Maxrss
	}
	p.Orphans = reapOrphans()
	if werr != nil || protoErr != nil {
		p.Died = diedReason(stderr.String(), werr, protoErr)
	}
	return p, nil
}

// diedReason is the short reason a helper ended early.
func diedReason(stderr string, werr, protoErr error) string {
	for _, want := range []string{"thread exhaustion", "cannot allocate memory", "resource temporarily unavailable",
		"too many open files", "can't start new thread"} {
		if strings.Contains(strings.ToLower(stderr), want) {
			return want
		}
	}
	line, _, _ := strings.Cut(strings.TrimSpace(stderr), "\n")
	if line != "" {
		return line
	}
	return errors.Join(werr, protoErr).Error()
}

// reapOrphans reaps, blocking, every child reaplat has now: during the
// many section these are only the orphans a dead helper left to this
// subreaper, and they exit once the shared pipe is closed.
func reapOrphans() int {
	n := 0
	for {
		var ws unix.WaitStatus
		_, err := unix.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return n
		}
		n++
	}
}

// readStatus reads /proc/PID/status.
func readStatus(pid int) (procStatus, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procStatus{}, err
	}
	return parseStatus(string(b))
}

// countDir counts the entries of dir (-1 if unreadable).
func countDir(dir string) int {
	f, err := os.Open(dir)
	if err != nil {
		return -1
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return -1
	}
	return len(names)
}

// liveChildren counts pid's children from /proc/PID/task/*/children and
// returns one child's Pss in KiB (0 if unknown).
func liveChildren(pid int) (n int, pss int64) {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	first := 0
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			n++
			if first == 0 {
				first, _ = strconv.Atoi(f)
			}
		}
	}
	if first > 0 {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", first)); err == nil {
			pss, _ = parsePss(string(b))
		}
	}
	return n, pss
}

// sampler polls a process's /proc status for its most threads.
type sampler struct {
	pid     int
	started bool // owned by the caller of start and stop
	quit    chan struct{}
	done    chan struct{}
	max     int // written by run, read after done
}

func newSampler(pid int) *sampler {
	return &sampler{pid: pid, quit: make(chan struct{}), done: make(chan struct{})}
}

// start polls every 5 ms until stop.
func (s *sampler) start() {
	s.started = true
	go func() {
		defer close(s.done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			if st, err := readStatus(s.pid); err == nil {
				s.max = max(s.max, st.Threads)
			}
			select {
			case <-s.quit:
				return
			case <-tick.C:
			}
		}
	}()
}

// stop ends the polling and returns the most threads seen (0 if never
// started).
func (s *sampler) stop() int {
	if !s.started {
		return 0
	}
	close(s.quit)
	<-s.done
	return s.max
}

// capResource says whether this process lacks CAP_SYS_RESOURCE (bit 24 of
// CapEff), which raising RLIMIT_NOFILE's hard limit needs.
func capResource() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			if caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64); err == nil && caps&(1<<24) == 0 {
				return ", without CAP_SYS_RESOURCE"
			}
		}
	}
	return ""
}
