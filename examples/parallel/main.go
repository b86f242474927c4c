// Command parallel runs shell commands, one per line of its input, a few at
// a time, in the spirit of `xargs -P` and GNU parallel:
//
//	parallel [-j N] [-f FILE] [-limit SIZE] [-timeout D] [-grace D] [-tree MODE] [-pty] [-usage] [-sh] [-v]
//
// Each line (blank lines are skipped) is run as `sh -c LINE`, at most -j at
// once (default: the number of CPUs); a new one starts as soon as one ends,
// and lines are read as they arrive, so a slow producer on a pipe keeps the
// runner busy without waiting for its end. A job's stdout and stderr go into
// one pipe (the same Output as Cmd.Stdout and Stderr: in the order the job
// wrote them), and
// the whole is printed as one block when the job is done, so the outputs of
// different jobs never interleave:
//
//	--- [3] exit 2, 12ms: make -C lib
//	make: *** No rule to make target 'al'.  Stop.
//	--- [1] ok, 1.4s: make -C app
//	--- [4] timeout (SIGTERM), 300ms: ./slow-test
//	...
//
// A line that is a plain command (words of letters, digits and -_./,:+@%^,
// the first neither a builtin nor a reserved word of sh, found in PATH) is
// run directly, as sh would run it, without starting sh: the shell would
// double the processes and most of the CPU time of short jobs. The only
// differences a job can see are that its parent is the runner and that a
// job killed by a signal is reported as such rather than as sh's exit
// 128+N. -sh runs every line through sh.
//
// Blocks come in the order the jobs finish; the number in brackets is the
// line's position in the input. With -limit, at most SIZE bytes of a job's
// output are kept (the first ones) and a note says how much was dropped; the
// rest is still read, so the job never blocks on a full pipe. A job whose
// background process keeps the pipe open is cut a second
// (childproc.DefaultDrainTimeout) after its exit, with a note; its slot is
// free from its exit on, so the next job does not wait for the cut.
//
// # Terminals
//
// With -pty each job runs with fds 0, 1 and 2 on a pseudo-terminal of its
// own (childproc.Terminal), the size of the runner's stdout when that is a
// terminal and 24×80 otherwise, so that programs which check isatty keep
// their colours and progress output; a job whose environment has no TERM
// gets TERM=xterm-256color, as some of them also look at it. The block is
// still printed when the job is done, and stdout and stderr are one stream
// on the terminal as they are one pipe without -pty. The terminal is in
// the kernel's default mode, which writes "\n" as "\r\n": the runner turns
// "\r\n" back into "\n" when it prints the block; -limit counts the
// terminal's bytes, before that. Nobody types at a job's terminal but the
// runner, which types one Ctrl-D (end of file for a terminal in canonical
// mode) as the job starts: a job that reads stdin (cat) sees the end of its
// input at once instead of waiting for a person, as it would on /dev/null;
// one that reads again after that end waits until its -timeout. A job leads
// a session of its own, so a Ctrl-C at the runner's terminal never reaches
// it directly, whatever -tree says. -pty needs Linux.
//
// # Lifetimes
//
// With -timeout, a job still running that long after its start is stopped
// (childproc.Cmd.Timeout): SIGTERM to its whole tree, and SIGKILL to what is
// left after -grace (default 5s, childproc.DefaultGrace; the same grace
// applies when a signal stops the jobs, below). Its header says "timeout
// (SIGTERM)", "timeout (SIGKILL after grace)", or "timeout (exit N)" for a
// job that caught the signal and exited, and it counts as failed ("timed
// out", "timed out, killed after grace").
//
// -tree says what a job's tree is (childproc.Config.Tree): "cgroup", a
// cgroup v2 of the job's own, which nothing in it escapes; "group", a
// process group of the job's own, which descendants that call setsid (or
// setpgid) leave; "none", the sh alone, in the runner's own process group;
// "auto" (the default), cgroup where this machine allows it, else group.
// With cgroup or group a job's tree ends with the job: whatever it left
// running in the background is killed when its sh exits, so only escapees
// of a group (and every background process with -tree none) can hold the
// pipe open past the exit.
//
// Before the first job a line on stderr says what will run, with the tree
// in use and the other settings, and how to stop it: when stderr is a
// terminal (someone is watching), or with -v.
//
// -usage adds what each job used to its header, as the kernel accounted it
// when the job's sh was reaped (childproc.Status.Usage): "cpu", user plus
// system time of the sh and of the processes it waited for; then, with a
// cgroup tree, "tree cpu" and "tree mem", the CPU time and peak memory of
// everything that ran in the job's cgroup (childproc.Status.TreeUsage), and
// otherwise "max rss", the largest resident set of the sh or of one of the
// processes it waited for:
//
//	--- [3] ok, 1.2s, cpu 1.1s, tree cpu 1.9s, tree mem 212.4M: make -j2
//
// # Summary, signals, exit status
//
// At the end a summary goes to stderr: how many jobs ran, how many failed,
// and each failed line with its status. The exit status is 0 when every job
// succeeded, 1 when some failed (timed out included), 2 for bad usage or an
// internal error.
//
// Jobs get /dev/null as stdin (the runner's stdin is the list of commands),
// or with -pty their terminal.
// SIGINT (Ctrl-C), SIGTERM and SIGHUP stop the runner from starting jobs
// and stop every running job as a timeout would (childproc.Child.Stop):
// SIGTERM to its tree, SIGKILL after -grace; a line on stderr says so, as
// the wait can take that long. A second such signal sends SIGKILL at
// once. Their headers say "interrupted (SIGTERM)" and the like. The summary
// then counts what was not started and the exit status is 128 + the first
// signal's number, as a shell's would be. With -tree none (and no -pty) a
// terminal's Ctrl-C reaches the jobs directly too, since they share the
// runner's process group.
//
// Everything runs on the reference loop (package loop): the jobs' pipes,
// their exits, their deadlines, the input (when it is a pipe or a terminal;
// a regular file, or /dev/null, is read at once) and the signals (through a self-pipe) are
// callbacks on one goroutine. There is no goroutine per job: the only other
// goroutine is the one os/signal delivers to, which writes each signal's
// number into the self-pipe.
//
// Try it:
//
//	printf '%s\n' 'sleep 1; echo one' 'echo two >&2; exit 3' 'seq 3' 'sleep 9' | go run ./examples/parallel -j 2 -timeout 2s -usage
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/loop"
	"golang.org/x/sys/unix"
)

// maxQueue is how many read lines may wait for a free slot before the
// runner stops reading its input (it resumes below half of it).
const maxQueue = 4096

// options is the parsed command line; immutable once main has parsed it.
type options struct {
	slots   int            // -j
	limit   int            // -limit (0: none)
	timeout time.Duration  // -timeout (0: none)
	grace   time.Duration  // -grace (0: childproc.DefaultGrace)
	tree    childproc.Tree // -tree
	usage   bool           // -usage
	verbose bool           // -v
	typing  bool           // the commands come from a terminal
	sh      bool           // -sh: every line through sh, plain commands too
	pty     bool           // -pty: each job on a terminal of its own
}

func main() {
	o := options{tree: childproc.TreeAuto}
	flag.IntVar(&o.slots, "j", runtime.NumCPU(), "run at most `N` jobs at once")
	file := flag.String("f", "", "read the commands from `file` instead of stdin")
	var limit size
	flag.Var(&limit, "limit", "keep at most `size` bytes of each job's output (suffix k, M or G; 0: no limit)")
	flag.DurationVar(&o.timeout, "timeout", 0, "stop a job still running after `duration` (0: never)")
	flag.DurationVar(&o.grace, "grace", 0, "when a job is stopped (-timeout, Ctrl-C), SIGKILL what is left `duration` after the SIGTERM (default 5s)")
	flag.Var((*treeFlag)(&o.tree), "tree", "a job's tree: `auto`, cgroup, group or none")
	flag.BoolVar(&o.usage, "usage", false, "show each job's CPU time and memory in its header")
	flag.BoolVar(&o.verbose, "v", false, "say what will run, with the settings (the tree in use), on stderr first (done anyway when stderr is a terminal)")
	flag.BoolVar(&o.sh, "sh", false, "run every line through sh, plain commands too")
	flag.BoolVar(&o.pty, "pty", false, "run each job on a terminal of its own (Linux), which keeps its colours; its stdin ends at once, \\r\\n is printed as \\n")
	flag.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), `usage: parallel [-j N] [-f file] [-limit size] [-timeout d] [-grace d] [-tree mode] [-pty] [-usage] [-sh] [-v]

Parallel runs each line of its input (stdin, or -f) as sh -c LINE, N at a
time, starting jobs as lines arrive, and prints each job's stdout and
stderr as one block headed by its number, status and time when it ends, so
outputs never interleave. A summary of the failed lines goes to stderr, and
the exit status is 1 if any job failed. Ctrl-C stops the running jobs
(SIGTERM, SIGKILL after -grace); a second Ctrl-C kills them at once.
With -pty each job's stdin, stdout and stderr are a terminal of its own,
as if a person ran it (colours kept), except that its stdin ends at once.

`)
		flag.PrintDefaults()
	}
	flag.Parse()
	var bad string
	switch {
	case flag.NArg() > 0:
	case o.slots < 1:
		bad = "-j must be at least 1"
	case o.timeout < 0 || o.grace < 0:
		bad = "-timeout and -grace must not be negative"
	case o.pty && runtime.GOOS != "linux":
		bad = "-pty needs Linux (childproc.Terminal)"
	}
	if flag.NArg() > 0 || bad != "" {
		if bad != "" {
			fmt.Fprintln(os.Stderr, "parallel:", bad)
		}
		flag.Usage()
		os.Exit(2)
	}
	o.limit = int(limit)
	in := os.Stdin
	if *file != "" {
		f, err := os.Open(*file)
		if err != nil {
			fmt.Fprintln(os.Stderr, "parallel:", err)
			os.Exit(2)
		}
		defer f.Close()
		in = f
	} else {
		o.typing = isTerminal(0)
	}
	code, err := run(in, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "parallel:", err)
		code = 2
	}
	os.Exit(code)
}

// job is one input line. Jobs and the runner are touched only on the loop
// goroutine.
type job struct {
	n      int    // position in the input, from 1
	line   string // the shell command
	ch     *childproc.Child
	start  time.Time
	end    time.Time // when it was reaped (OnExit)
	status string    // for the summary, once failed
}

type runner struct {
	l      *loop.Loop
	parent *childproc.Parent
	opt    options

	input     *loop.Watcher // nil when the input was read at once, or after EOF
	paused    bool          // input not watched: the queue is full
	partial   []byte        // input after the last newline
	inputDone bool
	inputErr  error

	lines    int           // input lines numbered so far
	queue    []*job        // read, not started
	running  map[*job]bool // started, not reaped: they fill the -j slots
	draining int           // reaped, output not complete (OnDone to come)
	ran      int
	failed   []*job
	paths    lookPath // PATH lookups of plain commands run without sh

	rows, cols int      // -pty: the jobs' terminal size
	env        []string // -pty: the jobs' environment (nil: the runner's)

	signal syscall.Signal // the first signal received, or 0
	killed bool           // a second signal came: running jobs were sent SIGKILL
}

func run(in *os.File, o options) (int, error) {
	l, err := loop.New()
	if err != nil {
		return 2, err
	}
	defer l.Close() // last, after the parent
	// Children reaped through pidfds where the kernel has them, SIGCHLD
	// otherwise; only the parent's own children; each job's tree as
	// -tree says.
	parent, err := childproc.New(l, childproc.Config{Tree: o.tree})
	if err != nil {
		return 2, err
	}
	defer parent.Close() // kills and reaps what is still running on an error

	r := &runner{l: l, parent: parent, opt: o, running: map[*job]bool{}, paths: lookPath{}}
	if o.pty {
		r.rows, r.cols = 24, 80
		if ws, err := unix.IoctlGetWinsize(1, unix.TIOCGWINSZ); err == nil && ws.Row > 0 && ws.Col > 0 {
			r.rows, r.cols = int(ws.Row), int(ws.Col)
		}
		if _, ok := os.LookupEnv("TERM"); !ok {
			r.env = append(os.Environ(), "TERM=xterm-256color")
		}
	}
	if o.verbose || isTerminal(2) {
		r.banner(os.Stderr)
	}
	if err := r.watchSignals(); err != nil {
		return 2, err
	}
	if err := r.readInput(in); err != nil {
		return 2, err
	}
	r.startJobs()
	if err := l.Run(); err != nil { // until the last job is done (r.finish)
		return 2, err
	}
	return r.summary(), nil
}

// banner says what will run, with the settings (the tree the parent uses,
// auto resolved), and how to stop it.
func (r *runner) banner(w io.Writer) {
	tree := r.parent.Tree()
	s := fmt.Sprintf("parallel: running each line as sh -c LINE, %d at a time (tree %v", r.opt.slots, tree)
	switch tree {
	case childproc.TreeGroup:
		s += ", which setsid'd descendants escape"
	case childproc.TreeNone:
		s += ": a stop reaches the sh alone"
	}
	if r.opt.timeout > 0 {
		s += fmt.Sprintf(", timeout %v", r.opt.timeout)
	}
	s += fmt.Sprintf(", grace %v", r.grace())
	if r.opt.limit > 0 {
		s += fmt.Sprintf(", output limit %d bytes", r.opt.limit)
	}
	if r.opt.pty {
		s += fmt.Sprintf(", each on a %d×%d terminal", r.rows, r.cols)
	}
	s += "); "
	if r.opt.typing {
		s += "type one per line, Ctrl-D to end; "
	}
	fmt.Fprintln(w, s+"Ctrl-C stops the jobs")
}

// grace is the time between a stop's SIGTERM and its SIGKILL.
func (r *runner) grace() time.Duration {
	if r.opt.grace > 0 {
		return r.opt.grace
	}
	return childproc.DefaultGrace
}

// readInput reads a regular file at once, and watches anything else (a
// pipe, a terminal) on the loop; a file the loop cannot watch (/dev/null,
// which epoll refuses with EPERM) is read at once as well.
func (r *runner) readInput(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		// Fd leaves the file in blocking mode, which stdin shares with
		// other processes (a terminal with the shell): one read per
		// readiness, as the loop reports it, cannot block.
		r.input, err = r.l.Watch(int(f.Fd()), hooks.In, r.inputReady)
		if !errors.Is(err, unix.EPERM) {
			return err
		}
		r.input = nil
	}
	b, err := io.ReadAll(f)
	r.addInput(b)
	r.endInput(err)
	return nil
}

// inputReady reads what the input has (once: the fd is blocking).
func (r *runner) inputReady(fd int, _ hooks.Events) error {
	var buf [64 << 10]byte
	n, err := unix.Read(fd, buf[:])
	switch {
	case err == unix.EINTR || err == unix.EAGAIN:
		return nil
	case err != nil:
		r.endInput(os.NewSyscallError("read", err))
	case n == 0:
		r.endInput(nil)
	default:
		r.addInput(buf[:n])
	}
	r.startJobs()
	return nil
}

// addInput queues every complete line of b.
func (r *runner) addInput(b []byte) {
	r.partial = append(r.partial, b...)
	for {
		i := bytes.IndexByte(r.partial, '\n')
		if i < 0 {
			break
		}
		r.addLine(r.partial[:i])
		r.partial = r.partial[i+1:]
	}
	if len(r.queue) >= maxQueue && r.input != nil && !r.paused {
		_ = r.input.Modify(0) // back-pressure on the producer
		r.paused = true
	}
}

func (r *runner) addLine(b []byte) {
	line := strings.TrimSpace(string(b))
	if line == "" {
		return
	}
	r.lines++
	r.queue = append(r.queue, &job{n: r.lines, line: line})
}

// endInput records the end of the input (err: a read error).
func (r *runner) endInput(err error) {
	if r.inputDone {
		return
	}
	r.addLine(r.partial) // a last line without a newline
	r.partial = nil
	r.inputDone, r.inputErr = true, err
	if r.input != nil {
		r.input.Stop()
		r.input = nil
	}
}

// startJobs fills the free slots, and stops the loop when everything is
// done.
func (r *runner) startJobs() {
	for r.signal == 0 && len(r.running) < r.opt.slots && len(r.queue) > 0 {
		j := r.queue[0]
		r.queue[0] = nil
		r.queue = r.queue[1:]
		r.start(j)
	}
	if r.paused && len(r.queue) < maxQueue/2 {
		if err := r.input.Modify(hooks.In); err == nil {
			r.paused = false
		}
	}
	if len(r.running) == 0 && r.draining == 0 && (r.inputDone && len(r.queue) == 0 || r.signal != 0) {
		r.l.Stop()
	}
}

func (r *runner) start(j *job) {
	limit := r.opt.limit
	if limit == 0 {
		limit = math.MaxInt // keep everything
	}
	cmd := func(path string, args []string) *childproc.Cmd {
		// stdout and stderr into one library pipe (one writer for
		// both), drained on the loop and kept up to limit; stdin is
		// /dev/null.
		out := &childproc.Output{Limit: limit}
		var stdin io.Reader
		var stdout io.Writer = out
		if r.opt.pty {
			// fds 0..2 on one terminal, whose output out keeps. The
			// Ctrl-D waits in the terminal's input queue for the job's
			// first read, which then returns 0: end of file.
			t := &childproc.Terminal{Rows: r.rows, Cols: r.cols, Output: out, Input: &childproc.Input{Data: []byte{ctrlD}}}
			stdin, stdout = t, t
		}
		return &childproc.Cmd{
			Path:   path,
			Args:   args,
			Env:    r.env,
			Stdin:  stdin,
			Stdout: stdout,
			Stderr: stdout,
			// A timeout in the loop: SIGTERM to the job's tree, SIGKILL
			// after the grace (zero: childproc.DefaultGrace).
			Timeout: r.opt.timeout,
			Grace:   r.opt.grace,
			OnExit:  func(*childproc.Child, childproc.Status) { r.exited(j) },
			// After the exit and the pipe's EOF: the complete output.
			OnDone: func(_ *childproc.Child, res *childproc.Result) { r.done(j, res) },
		}
	}
	viaSh := func() *childproc.Cmd { return cmd("/bin/sh", []string{"/bin/sh", "-c", j.line}) }
	first, fallback := viaSh(), false
	if argv := directArgs(j.line); argv != nil && !r.opt.sh {
		if path := r.paths.find(argv[0]); path != "" {
			// Without sh (direct.go). Should exec refuse the program
			// (a script without #!, no permission), sh runs the line
			// instead, or says what is wrong, as without the shortcut.
			first, fallback = cmd(path, argv), true
		}
	}
	j.start = time.Now()
	r.ran++
	r.running[j] = true // its slot, from now on; j.ch comes with started
	// Start, not Spawn: the parent's spawner goroutines fork and exec
	// the job while this loop goes on reaping and printing.
	var started func(*childproc.Child, error)
	started = func(ch *childproc.Child, err error) {
		if err != nil && fallback {
			fallback = false
			err = r.parent.Start(viaSh(), started)
		}
		if err != nil { // fork failed (EAGAIN: too many processes, say)
			r.notStarted(j, err)
			r.startJobs()
			return
		}
		if ch == nil {
			return // the fallback's started is still to come
		}
		j.ch = ch
		if r.signal != 0 { // interrupted while it was starting
			grace := r.grace()
			if r.killed {
				grace = 0
			}
			r.stop(j, grace)
		}
	}
	if err := r.parent.Start(first, started); err != nil {
		r.notStarted(j, err)
	}
}

// notStarted reports a job that could not be started, and frees its
// slot.
func (r *runner) notStarted(j *job, err error) {
	delete(r.running, j)
	j.status = "not started: " + err.Error()
	r.failed = append(r.failed, j)
	r.print(fmt.Appendf(nil, "--- [%d] %s: %s\n", j.n, j.status, j.line))
}

// stop stops a running job's tree.
func (r *runner) stop(j *job, grace time.Duration) {
	// A job reaped since its OnExit was queued: ErrProcessDone.
	if err := j.ch.Stop(grace); err != nil && !errors.Is(err, os.ErrProcessDone) {
		fmt.Fprintf(os.Stderr, "parallel: stopping [%d]: %v\n", j.n, err)
	}
}

// exited frees the job's slot for the next one: its pipe may stay open a
// little longer (a background process holding it, until the drain
// deadline), but the job's own process is gone.
func (r *runner) exited(j *job) {
	j.end = time.Now()
	delete(r.running, j)
	r.draining++
	r.startJobs()
}

// done prints a finished job's block, in one write.
func (r *runner) done(j *job, res *childproc.Result) {
	r.draining--
	head, failed := r.outcome(res.Status)
	if failed != "" {
		j.status = failed
		r.failed = append(r.failed, j)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "--- [%d] %s, %v", j.n, head, duration(j.end.Sub(j.start)))
	if r.opt.usage {
		b.WriteString(", ")
		b.WriteString(usage(res.Status))
	}
	fmt.Fprintf(&b, ": %s\n", j.line)
	out := res.Stdout
	truncated := res.StdoutTotal > int64(len(out))
	if r.opt.pty {
		out = fromTerminal(out, truncated)
	}
	b.Write(out)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		b.WriteByte('\n')
	}
	if truncated {
		fmt.Fprintf(&b, "--- [%d] output truncated: the first %d of %d bytes shown\n", j.n, len(res.Stdout), res.StdoutTotal)
	}
	if res.Cut {
		what := "pipe"
		if r.opt.pty {
			what = "terminal"
		}
		fmt.Fprintf(&b, "--- [%d] output cut: the %s was still open %v after the exit (a background process?)\n", j.n, what, childproc.DefaultDrainTimeout)
	}
	r.print(b.Bytes())
	r.startJobs()
}

// ctrlD is the terminal's default end-of-file character (VEOF).
const ctrlD = 0x04

// fromTerminal turns a terminal's "\r\n" line ends back into "\n", as the
// output would have been in a pipe. When -limit truncated the output, a
// last "\r" is the first half of a "\r\n" that was cut off, and goes too.
func fromTerminal(out []byte, truncated bool) []byte {
	out = bytes.ReplaceAll(out, []byte("\r\n"), []byte("\n"))
	if truncated && len(out) > 0 && out[len(out)-1] == '\r' {
		out = out[:len(out)-1]
	}
	return out
}

// outcome describes how a job ended: head for its block header ("ok",
// "exit 2", "timeout (SIGTERM)", "interrupted (SIGKILL after grace)"), and
// failed for the summary, empty when the job succeeded.
func (r *runner) outcome(st childproc.Status) (head, failed string) {
	switch {
	case st.Success():
		return "ok", ""
	case st.Cause == nil || st.Err != nil:
		return st.String(), st.String()
	}
	// Stopped: by its timeout, or by Stop after a signal to the runner.
	word, failed := "interrupted", "interrupted"
	if errors.Is(st.Cause, context.DeadlineExceeded) {
		word, failed = "timeout", "timed out"
	}
	end := "exit " + strconv.Itoa(st.Code)
	if st.Signal != 0 {
		end = unix.SignalName(st.Signal)
	}
	switch {
	case st.Forced && r.killed:
		// A second signal to the runner sent the SIGKILL, maybe before
		// the grace was over.
		failed += ", killed"
	case st.Forced:
		if st.Signal == syscall.SIGKILL {
			end += " after grace"
		}
		failed += ", killed after grace"
	}
	return word + " (" + end + ")", failed
}

// usage formats what the job used, for -usage: "cpu 12ms, max rss 3.1M"
// from the rusage of the reaped sh, or with a cgroup tree "cpu 12ms, tree
// cpu 40ms, tree mem 9.5M".
func usage(st childproc.Status) string {
	s := "cpu " + cpuTime(st.Usage.User+st.Usage.System).String()
	if t := st.TreeUsage; t != nil {
		s += ", tree cpu " + cpuTime(t.CPU).String()
		if t.MemoryPeak >= 0 {
			return s + ", tree mem " + bytesize(t.MemoryPeak)
		}
	}
	return s + ", max rss " + bytesize(st.Usage.MaxRSS)
}

// cpuTime rounds a CPU time: 830µs, 12ms, 1.4s.
func cpuTime(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(10 * time.Microsecond)
	}
	return duration(d)
}

// bytesize formats n bytes as 512B, 3.1k, 212.4M, 1.5G (powers of 1024).
func bytesize(n int64) string {
	const k = 1 << 10
	switch {
	case n < k:
		return strconv.FormatInt(n, 10) + "B"
	case n < k*k:
		return strconv.FormatFloat(float64(n)/k, 'f', 1, 64) + "k"
	case n < k*k*k:
		return strconv.FormatFloat(float64(n)/(k*k), 'f', 1, 64) + "M"
	default:
		return strconv.FormatFloat(float64(n)/(k*k*k), 'f', 1, 64) + "G"
	}
}

// print writes a block to stdout. One write(2) per block (os.File.Write
// loops only on a short write), so blocks stay whole even when other
// processes write to the same file.
func (r *runner) print(b []byte) {
	_, _ = os.Stdout.Write(b) // a closed pipe (| head) ends the program with SIGPIPE
}

// duration rounds d for the block headers: 12ms, 1.4s, 2m3s.
func duration(d time.Duration) time.Duration {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond)
	case d < time.Minute:
		return d.Round(100 * time.Millisecond)
	default:
		return d.Round(time.Second)
	}
}

// summary prints the summary on stderr and returns the exit status.
func (r *runner) summary() int {
	w := os.Stderr
	code := 0
	if r.inputErr != nil {
		fmt.Fprintf(w, "parallel: reading the input: %v\n", r.inputErr)
		code = 2
	}
	switch len(r.failed) {
	case 0:
		fmt.Fprintf(w, "parallel: %s, all succeeded\n", jobs(r.ran))
	default:
		fmt.Fprintf(w, "parallel: %s, %d failed:\n", jobs(r.ran), len(r.failed))
		slices.SortFunc(r.failed, func(a, b *job) int { return a.n - b.n })
		for _, j := range r.failed {
			fmt.Fprintf(w, "  [%d] %s: %s\n", j.n, j.status, j.line)
		}
		code = max(code, 1)
	}
	if r.signal != 0 {
		switch n := len(r.queue); {
		case !r.inputDone && n > 0:
			fmt.Fprintf(w, "parallel: %v: stopped reading the input; %s read but not started\n", r.signal, jobs(n))
		case !r.inputDone:
			fmt.Fprintf(w, "parallel: %v: stopped reading the input\n", r.signal)
		case n > 0:
			fmt.Fprintf(w, "parallel: %v: %s not started\n", r.signal, jobs(n))
		default:
			fmt.Fprintf(w, "parallel: %v: every job had started\n", r.signal)
		}
		code = 128 + int(r.signal)
	}
	return code
}

// jobs says "1 job", "2 jobs".
func jobs(n int) string {
	if n == 1 {
		return "1 job"
	}
	return strconv.Itoa(n) + " jobs"
}

// watchSignals makes SIGINT, SIGTERM and SIGHUP callbacks on the loop:
// os/signal's goroutine writes each signal's number into a self-pipe that
// the loop watches.
func (r *runner) watchSignals() error {
	// Plain pipe(2), as Darwin has no pipe2: nothing forks before this
	// runs, so no child can inherit the ends before they are close-on-exec.
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		return os.NewSyscallError("pipe", err)
	}
	rd, wr := p[0], p[1] // open until the process exits
	for _, fd := range p {
		unix.CloseOnExec(fd)
		if err := unix.SetNonblock(fd, true); err != nil {
			return os.NewSyscallError("fcntl", err)
		}
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		for s := range sigs {
			_, _ = unix.Write(wr, []byte{byte(s.(syscall.Signal))}) // EAGAIN: plenty pending
		}
	}()
	_, err := r.l.Watch(rd, hooks.In, func(fd int, _ hooks.Events) error {
		var buf [16]byte
		n, err := unix.Read(fd, buf[:])
		if err != nil {
			return nil // EAGAIN, EINTR: nothing (more) to read
		}
		for _, b := range buf[:n] {
			r.interrupt(syscall.Signal(b))
		}
		return nil
	})
	return err
}

// interrupt stops starting jobs and stops the running ones: the stop
// signal to each job's tree now, SIGKILL after the grace; the second
// signal sends SIGKILL at once.
func (r *runner) interrupt(sig syscall.Signal) {
	grace := r.grace()
	if r.signal == 0 {
		r.signal = sig
	} else {
		grace, r.killed = 0, true
	}
	if r.input != nil {
		r.input.Stop()
		r.input = nil
	}
	// Say why nothing may happen for a while: the jobs have the grace to
	// end.
	switch n := len(r.running); {
	case n == 0:
	case r.killed:
		fmt.Fprintf(os.Stderr, "parallel: a second signal (%v): killing %s now\n", sig, jobs(n))
	default:
		again := "a second signal kills them at once"
		if sig == syscall.SIGINT {
			again = "Ctrl-C again kills them at once"
		}
		fmt.Fprintf(os.Stderr, "parallel: %v: stopping %s: SIGTERM now, SIGKILL in %v (%s)\n", sig, jobs(n), grace, again)
	}
	for j := range r.running {
		if j.ch != nil { // else stopped when started
			r.stop(j, grace)
		}
	}
	r.startJobs() // stops the loop if nothing runs
}

// isTerminal reports whether fd is a terminal (one that has a window size).
func isTerminal(fd int) bool {
	_, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
	return err == nil
}

// size is a flag.Value for byte counts with an optional k, M or G suffix.
type size int

func (s *size) String() string { return strconv.Itoa(int(*s)) }

func (s *size) Set(v string) error {
	mult := 1
	if i := len(v) - 1; i > 0 {
		switch v[i] {
		case 'k', 'K':
			mult, v = 1<<10, v[:i]
		case 'm', 'M':
			mult, v = 1<<20, v[:i]
		case 'g', 'G':
			mult, v = 1<<30, v[:i]
		}
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > math.MaxInt/mult {
		return errors.New("want a byte count such as 65536, 64k or 1M")
	}
	*s = size(n * mult)
	return nil
}

// treeFlag is a flag.Value for -tree.
type treeFlag childproc.Tree

func (t *treeFlag) String() string { return childproc.Tree(*t).String() }

func (t *treeFlag) Set(v string) error {
	for _, m := range []childproc.Tree{childproc.TreeAuto, childproc.TreeCgroup, childproc.TreeGroup, childproc.TreeNone} {
		if v == m.String() {
			*t = treeFlag(m)
			return nil
		}
	}
	return errors.New("want auto, cgroup, group or none")
}
