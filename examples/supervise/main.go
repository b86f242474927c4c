//go:build linux

// Command supervise keeps a few commands running: it restarts each one when
// it exits, with exponential backoff, reaps orphaned grandchildren, runs an
// optional health check with os/exec, stops every command's whole tree on
// SIGTERM or SIGINT (SIGTERM, then SIGKILL after -grace), and answers status
// requests on a unix socket.
//
//	go run ./examples/supervise -cmd '(sleep 1 &); sleep 2' -cmd '(sleep 60 &); sleep 1; exit 1' -check 'test -d /tmp'
//	go run ./examples/supervise -query <the printed socket path>   # from another terminal
//
// Its log (stdout) starts each line with the time since the start; the
// commands' own output, and the check's, goes to stderr.
//
// It runs on the reference loop with a parent in Config.Mode ModeOrphans,
// which is what a supervisor, a container init or a subreaper that also
// uses os/exec needs: the library reaps its own children (each command's
// sh), whose statuses go to their OnExit callbacks, and the orphans that
// the kernel re-parents to us because we are a child subreaper, whose
// statuses go to Config.OnForeignExit. It never reaps a child started by
// os/exec, which holds a pidfd for it, so the -check command that runs
// every -check-every with exec.Cmd.Run gets its own status.
//
// Why not ModeReapAll, which reaps orphans too: its wait4(-1) takes the
// status of every child of the process, the checks' included, and their
// exec.Cmd.Wait then fails with ECHILD ("no child processes"). ModeReapAll
// stays the cheapest choice for a program that owns every child it has:
// one wait4 per exit, and no look at /proc.
//
// Each command is a tree (Config.Tree TreeAuto): where the supervisor may
// create cgroups (root, or a delegated cgroup v2 subtree) each run gets a
// cgroup of its own, so a stop reaches every process the command started,
// even one that called setsid; elsewhere each run leads a process group,
// which setsid'd descendants escape. The log's first lines say which one
// is in use.
//
// # What happens to orphans
//
// A process whose parent exits is an orphan: the kernel re-parents it to
// the nearest child subreaper, this supervisor, and the supervisor must
// reap it when it ends or it stays a zombie. Both cases show in the demo
// above, as "orphan pid N reaped" lines, and both are intended:
//
//   - An orphan whose command is still running lives on, and is reaped when
//     it ends by itself: in the first command, the subshell of
//     `(sleep 1 &)` exits at once, its sleep is re-parented to the
//     supervisor, and one second later "orphan pid N reaped: exit 0".
//   - What a command leaves running when it exits is killed with its tree
//     (the library does it before the command's OnExit runs): in the second
//     command, `sleep 60` is killed when the sh exits after a second, and
//     reaped at once: "orphan pid N reaped: signal killed". A supervisor
//     restarts a command from a clean slate; leftovers of the old run would
//     hold its ports and files. Only a setsid'd escapee of a process group
//     outlives its command, and is reaped whenever it ends.
//
// Linux only (hence the build tag): PR_SET_CHILD_SUBREAPER is Linux's
// (FreeBSD's procctl(PROC_REAP_ACQUIRE) would be the equivalent).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/loop"
	"golang.org/x/sys/unix"
)

// service is one supervised command. Owned by the loop goroutine.
type service struct {
	name, script string
	child        *childproc.Child // running child, or nil
	started      time.Time        // when child was started
	restarts     int              // starts after the first
	last         string           // how the last run ended
	backoff      time.Duration    // delay before the next restart
	timer        *loop.Timer      // pending restart, or nil
}

type supervisor struct {
	l        *loop.Loop
	parent   *childproc.Parent
	t0       time.Time
	initial  time.Duration // first restart delay; immutable
	max      time.Duration // largest restart delay; immutable
	stable   time.Duration // a run this long resets the backoff; immutable
	grace    time.Duration // stop signal to SIGKILL; immutable
	svcs     []*service    // immutable slice; elements owned by the loop goroutine
	stopping bool          // a stop signal arrived; owned by the loop goroutine

	check      string             // -check script, or ""; immutable
	checkEvery time.Duration      // delay between checks; immutable
	checkCtx   context.Context    // done once stopping: kills a running check
	checkStop  context.CancelFunc // cancels checkCtx
	checkTimer *loop.Timer        // pending check, or nil; owned by the loop goroutine
	checking   bool               // a check runs; owned by the loop goroutine
}

type cmdList []string

func (c *cmdList) String() string     { return strings.Join(*c, "; ") }
func (c *cmdList) Set(s string) error { *c = append(*c, s); return nil }

const usage = `usage: supervise [-cmd script]... [-file file] [flags]
       supervise -query socket

Supervise keeps a few sh scripts running: it restarts each one when it
exits, after a delay that doubles from -initial up to -max (reset after a
run of -stable), kills what a run left behind when it ends, and reaps the
orphans re-parented to it as a child subreaper. With -check it also runs
a health check with os/exec. Config.Mode ModeOrphans reaps the orphans and
leaves os/exec's children alone (ModeReapAll's wait4(-1) would take their
statuses, and exec.Cmd.Wait would fail with ECHILD). It logs what it does
on stdout, and answers status requests on a unix socket (read it with
-query). Ctrl-C or SIGTERM stops every command's tree (SIGTERM, then
SIGKILL after -grace) and kills a running check, and it exits once no
child is left.

`

func main() {
	var cmds cmdList
	flag.Var(&cmds, "cmd", "sh `script` to supervise (repeatable)")
	file := flag.String("file", "", "`file` with one script per line (# comments)")
	sock := flag.String("status-socket", "", "status socket `path`; its directory must be private (0700). Default: in a new private temporary directory")
	s := &supervisor{t0: time.Now()}
	flag.DurationVar(&s.initial, "initial", 100*time.Millisecond, "first restart delay")
	flag.DurationVar(&s.max, "max", 10*time.Second, "maximum restart delay")
	flag.DurationVar(&s.stable, "stable", 10*time.Second, "a run lasting this long resets the delay to -initial")
	flag.DurationVar(&s.grace, "grace", 5*time.Second, "on SIGTERM or SIGINT, how long commands have before SIGKILL")
	flag.StringVar(&s.check, "check", "", "health check: run sh -c `script` with os/exec every -check-every and log how it ended")
	flag.DurationVar(&s.checkEvery, "check-every", 2*time.Second, "delay between the end of a -check run and the start of the next")
	query := flag.String("query", "", "print the status that the supervisor serving `socket` reports, and exit")
	flag.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), usage)
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if *query != "" {
		if err := printStatus(*query); err != nil {
			fmt.Fprintln(os.Stderr, "supervise:", err)
			os.Exit(1)
		}
		return
	}
	if s.check != "" && s.checkEvery <= 0 {
		fmt.Fprintln(os.Stderr, "supervise: -check-every must be positive")
		os.Exit(2)
	}
	if err := s.run(cmds, *file, *sock); err != nil {
		fmt.Fprintln(os.Stderr, "supervise:", err)
		os.Exit(1)
	}
}

// logf prints one line prefixed with the time since start, to the
// millisecond: "[1.204s] cmd1 started ...".
func (s *supervisor) logf(format string, args ...any) {
	fmt.Printf("[%v] %s\n", time.Since(s.t0).Round(time.Millisecond), fmt.Sprintf(format, args...))
}

func (s *supervisor) run(cmds []string, file, sockPath string) error {
	if file != "" {
		more, err := readScripts(file)
		if err != nil {
			return err
		}
		cmds = append(cmds, more...)
	}
	if len(cmds) == 0 {
		return errors.New("nothing to supervise: give -cmd or -file")
	}
	// Orphans anywhere below us are re-parented to us, not to init: we
	// reap them (OnForeignExit below), so none stays a zombie. Before
	// childproc.New, which refuses ModeOrphans where no orphan can come.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return os.NewSyscallError("prctl", err)
	}
	var err error
	if s.l, err = loop.New(); err != nil {
		return err
	}
	defer s.l.Close()
	// ModeOrphans, not ModeReapAll: the latter's wait4(-1) would also
	// take the statuses of the -check commands that os/exec waits for.
	s.parent, err = childproc.New(s.l, childproc.Config{
		Mode: childproc.ModeOrphans,
		Tree: childproc.TreeAuto,
		OnForeignExit: func(pid int, st childproc.Status) {
			s.logf("orphan pid %d reaped: %v", pid, st)
			s.finishIfDone()
		},
	})
	if err != nil {
		return err
	}
	defer s.parent.Close()
	s.logf("supervising %d commands; Ctrl-C stops them (SIGTERM, SIGKILL after %v) and exits", len(cmds), s.grace)
	switch tree := s.parent.Tree(); tree {
	case childproc.TreeCgroup:
		s.logf("trees: cgroup (what a command leaves running is killed when it exits)")
	default:
		s.logf("trees: %v (what a command leaves running is killed when it exits, unless it called setsid)", tree)
	}
	s.logf("orphans: re-parented to the supervisor, a child subreaper, and reaped here")
	s.checkCtx, s.checkStop = context.WithCancel(context.Background())
	defer s.checkStop()
	if s.check != "" {
		s.logf("check: sh -c %q with os/exec, every %v", s.check, s.checkEvery)
	}

	stopStatus, err := s.serveStatus(sockPath)
	if err != nil {
		return err
	}
	defer stopStatus()

	// Signals arrive on a goroutine; AddTimer(time.Time{}) hands the work
	// to the loop goroutine (loop methods are safe from any goroutine and
	// wake the loop), so all state stays owned by one goroutine.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	go func() {
		for sig := range sigs {
			_, _ = s.l.AddTimer(time.Time{}, func() error { s.stop(sig.(syscall.Signal)); return nil })
		}
	}()

	for i, c := range cmds {
		svc := &service{name: fmt.Sprintf("cmd%d", i+1), script: c, backoff: s.initial}
		s.svcs = append(s.svcs, svc)
		s.logf("%s: %s", svc.name, c)
		s.start(svc)
	}
	if s.check != "" {
		s.scheduleCheck()
	}
	if err := s.l.Run(); err != nil {
		return err
	}
	// Here rather than in finishIfDone: the exits reaped in the last pass
	// have all been logged by now.
	s.logf("all children gone; exiting")
	return nil
}

// start runs svc's script. On the loop goroutine.
func (s *supervisor) start(svc *service) {
	svc.timer = nil
	ch, err := s.parent.Spawn(&childproc.Cmd{
		Args:   []string{"sh", "-c", svc.script},
		Stdout: os.Stderr, // keep stdout for the supervisor's log
		Stderr: os.Stderr,
		// A process group of its own, with a cgroup tree too, so that a
		// terminal's Ctrl-C reaches the supervisor alone: the supervisor
		// decides how its commands stop, not the keyboard.
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
		OnExit: func(_ *childproc.Child, st childproc.Status) {
			s.exited(svc, st)
		},
	})
	if err != nil {
		s.logf("%s: %v", svc.name, err)
		s.exited(svc, childproc.Status{Err: err})
		return
	}
	svc.child, svc.started = ch, time.Now()
	s.logf("%s started pid %d (restarts %d)", svc.name, ch.Pid(), svc.restarts)
}

// exited records a run's end and schedules the restart. On the loop goroutine.
func (s *supervisor) exited(svc *service, st childproc.Status) {
	ran := time.Since(svc.started)
	svc.child, svc.last = nil, st.String()
	s.logf("%s exited: %v after %v", svc.name, st, ran.Round(time.Millisecond))
	if s.stopping {
		s.finishIfDone()
		return
	}
	if ran >= s.stable {
		svc.backoff = s.initial // it ran fine for a while: start over
	}
	delay := svc.backoff
	svc.backoff = min(2*svc.backoff, s.max)
	s.logf("%s restart in %v", svc.name, delay)
	svc.timer, _ = s.l.AddTimer(time.Now().Add(delay), func() error {
		svc.restarts++
		s.start(svc)
		return nil
	})
}

// stop stops every running command's tree with sig, then SIGKILL after
// -grace (Child.Stop; the library's timer escalates), and cancels pending
// restarts; the loop runs on until no child is left. A second signal
// kills at once. On the loop goroutine.
func (s *supervisor) stop(sig syscall.Signal) {
	grace := s.grace
	switch {
	case s.stopping:
		grace = 0
		s.logf("got %v again: killing the commands now", sig)
	case grace > 0:
		s.logf("got %v: stopping the commands: SIGTERM now, SIGKILL in %v", sig, grace)
	default:
		s.logf("got %v: killing the commands", sig)
	}
	s.stopping = true
	if s.checkTimer != nil {
		s.checkTimer.Cancel()
		s.checkTimer = nil
	}
	s.checkStop() // a running check is killed; checked then logs it
	for _, svc := range s.svcs {
		if svc.timer != nil {
			svc.timer.Cancel()
			svc.timer = nil
		}
		if svc.child != nil {
			_ = svc.child.Stop(grace) // SIGTERM (the default Cmd.StopSignal), also for a SIGINT
		}
	}
	s.finishIfDone()
}

// finishIfDone stops the loop once stopping, no check runs and no child at
// all is left.
func (s *supervisor) finishIfDone() {
	if !s.stopping || s.checking {
		return
	}
	// WNOWAIT: only ask whether we still have children; reaping stays
	// with the library. ECHILD means none, orphans included.
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil); err != unix.ECHILD {
		return
	}
	s.l.Stop() // Run returns after the callbacks of this pass (several may call this)
}

// scheduleCheck runs the check -check-every from now. On the loop goroutine.
func (s *supervisor) scheduleCheck() {
	s.checkTimer, _ = s.l.AddTimer(time.Now().Add(s.checkEvery), func() error {
		s.checkTimer, s.checking = nil, true
		// exec.Cmd.Run blocks until the check ends: a goroutine runs it,
		// and hands the result back to the loop goroutine.
		go func() {
			start := time.Now()
			cmd := exec.CommandContext(s.checkCtx, "sh", "-c", s.check)
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr // files: no copying goroutine, no pipe to wait for
			err := cmd.Run()
			took := time.Since(start)
			_, _ = s.l.AddTimer(time.Time{}, func() error { s.checked(err, took); return nil })
		}()
		return nil
	})
}

// checked logs how a check ended and schedules the next one. On the loop
// goroutine.
func (s *supervisor) checked(err error, took time.Duration) {
	s.checking = false
	took = took.Round(time.Millisecond)
	var ee *exec.ExitError
	switch {
	case err == nil:
		s.logf("check: ok after %v", took)
	case errors.As(err, &ee):
		if ws := ee.Sys().(syscall.WaitStatus); ws.Signaled() {
			s.logf("check: signal %v after %v", ws.Signal(), took)
		} else {
			s.logf("check: exit %d after %v", ws.ExitStatus(), took)
		}
	default:
		// Not the check's status: it could not start, or, were the parent
		// ModeReapAll, its status was taken (waitid: no child processes).
		s.logf("check: error after %v: %v", took, err)
	}
	if s.stopping {
		s.finishIfDone()
		return
	}
	s.scheduleCheck()
}

// serveStatus listens on a unix socket, mode 0600 in a private directory,
// and writes one line per command to every connection, from the loop.
func (s *supervisor) serveStatus(path string) (stop func(), err error) {
	cleanupDir := func() {}
	if path == "" {
		dir, err := os.MkdirTemp("", "supervise-") // mode 0700
		if err != nil {
			return nil, err
		}
		cleanupDir = func() { os.RemoveAll(dir) }
		path = filepath.Join(dir, "status.sock")
	} else if fi, err := os.Stat(filepath.Dir(path)); err != nil {
		return nil, err
	} else if st := fi.Sys().(*syscall.Stat_t); fi.Mode().Perm()&0o077 != 0 || int(st.Uid) != os.Getuid() {
		// Bind creates the socket with the umask's mode; only a private
		// directory makes the moment before the Chmod below harmless.
		return nil, fmt.Errorf("%s: directory must be ours and mode 0700", filepath.Dir(path))
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		cleanupDir()
		return nil, os.NewSyscallError("socket", err)
	}
	fail := func(err error) (func(), error) { unix.Close(fd); cleanupDir(); return nil, err }
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		return fail(fmt.Errorf("bind %s: %w", path, err))
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return fail(err)
	}
	if err := unix.Listen(fd, 16); err != nil {
		return fail(os.NewSyscallError("listen", err))
	}
	w, err := s.l.Watch(fd, hooks.In, func(int, hooks.Events) error {
		for {
			// Accepted sockets are blocking: the few lines below fit in
			// the socket buffer, so the write cannot stall the loop.
			nfd, _, err := unix.Accept4(fd, unix.SOCK_CLOEXEC)
			if err != nil {
				return nil // EAGAIN: no more pending connections
			}
			_, _ = unix.Write(nfd, []byte(s.status()))
			unix.Close(nfd)
		}
	})
	if err != nil {
		return fail(err)
	}
	s.logf("status socket %s (print it with -query)", path)
	return func() { w.Stop(); unix.Close(fd); os.Remove(path); cleanupDir() }, nil
}

// status is one line per command: name, pid, restarts, last status.
func (s *supervisor) status() string {
	var b strings.Builder
	for _, svc := range s.svcs {
		pid := "-"
		if svc.child != nil {
			pid = fmt.Sprint(svc.child.Pid())
		}
		last := svc.last
		if last == "" {
			last = "-"
		}
		fmt.Fprintf(&b, "%s pid=%s restarts=%d last=%q cmd=%q\n", svc.name, pid, svc.restarts, last, svc.script)
	}
	return b.String()
}

// printStatus copies what the status socket at path says to stdout.
func printStatus(path string) error {
	c, err := net.Dial("unix", path)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = io.Copy(os.Stdout, c)
	return err
}

func readScripts(name string) ([]string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out, sc.Err()
}
