// Package childproc runs child processes for programs that own their event
// loop: it spawns them, learns of their exits inside the application's loop
// (through the hooks of package hooks), reaps exactly the children it may
// reap, and runs each child's death callback on the loop goroutine.
//
//	parent, err := childproc.New(myLoop, childproc.Config{})
//	ch, err := parent.Spawn(&childproc.Cmd{
//		Args:   []string{"make", "-j4"},
//		Stdout: os.Stdout, Stderr: os.Stderr,
//		OnExit: func(ch *childproc.Child, st childproc.Status) { log.Println(ch, st) },
//	})
//
// # Who reaps what
//
// [Config] says who handles SIGCHLD and which children are reaped. By
// default a parent reaps only its own children, so os/exec and other
// libraries keep their statuses: a deliberate difference from libxl, whose
// library-owned mode reaps every child of the process. ModeReapAll reaps
// every child (subreapers, inits) and passes foreign statuses to
// Config.OnForeignExit; only one such parent may exist, and it must not
// share the process with os/exec. ModeOrphans is the supervisor's choice
// beside os/exec: it reaps its own children and the process's orphans,
// and never a child that a pidfd in the process refers to (os/exec's).
// ModeApp installs nothing: the application calls SigchldOccurred or
// Reaped. Mode documents how each maps to libxl's SIGCHLD owner modes.
//
// # Finding the child that exited
//
// On Linux ≥ 5.4 a parent asks the kernel for a pidfd at fork, keeps the
// pidfds in a private epoll set and registers only that set's fd in the
// application's loop: an exit makes exactly that pidfd readable, so the cost
// is O(1) per exit however many children live, and SIGCHLD is not involved.
// Elsewhere, and with ModeApp, it wakes on SIGCHLD and asks the kernel
// about each child with wait4(pid, WNOHANG): O(children) per wake-up. A
// ModeReapAll parent reaps with wait4(-1, WNOHANG) until nothing is ready.
//
// # Talking to children
//
// A Cmd's Stdin, Stdout and Stderr behave as the value's type says, as in
// os/exec: an *os.File is given to the child; an *Output keeps the output
// up to a bound, OnData streams each chunk to a function, any other writer
// gets each chunk (the same writer in both gets both streams through one
// pipe, in the child's order); an *Input, or a bytes or strings reader,
// feeds stdin as the child reads it. Those pipes' parent ends are
// close-on-exec and non-blocking from creation and are driven by the
// application's loop through the same hooks: no goroutine and no thread per
// pipe. Two events
// follow: OnExit as soon as the child is reaped, then OnDone with a Result
// once every pipe reached EOF, or DrainTimeout (DefaultDrainTimeout) after
// the exit, when a descendant still holds a pipe: the library then closes
// its ends and sets Result.Cut. OnDone never precedes OnExit. A child that
// stops reading stdin early makes the writes fail with EPIPE, reported as
// Result.StdinErr = ErrStdinClosed, never as a signal. Child.SetPaused
// stops polling an output pipe, so the child blocks once it fills.
//
// # Terminals
//
// A *Terminal given as Stdin, Stdout and Stderr (or some of them) runs the
// child on a pseudo-terminal of its own: a new session with the terminal
// as its controlling terminal, set up in the fast spawn, so that programs
// which check isatty print colours and progress as they would for a
// person. The master end is one more fd in the application's loop: its
// output goes to Terminal.Output as a pipe's goes to a writer, and
// Terminal.Input is typed into it as an Input feeds stdin; Child.Resize
// sets the size and the child gets SIGWINCH. Users of a goroutine per
// terminal reading the master lose output written just before the exit,
// because the read that would return it races the EIO the master reports
// once no process holds the slave; here the parent holds the slave until
// the child is reaped, then reads on to that EIO, which is the terminal's
// end-of-file. OnExit and OnDone, Cut and the drain deadline are as for
// pipes; a descendant that keeps the terminal keeps the output open until
// the deadline. The terminal is in the kernel's default mode: canonical
// input, echo, and "\n" written as "\r\n".
//
// # Bounding a child's life
//
// Cmd.Timeout and Cmd.Context stop a child; so does
// Child.Stop. A stop is systemd's TimeoutStopSec model: Cmd.StopSignal
// (SIGTERM) to the child's tree, SIGKILL to the tree Cmd.Grace later
// (DefaultGrace) if the child still lives, and then the stdio drain
// deadline, which a stop always applies. The status says why
// (Status.Cause: context.DeadlineExceeded for deadlines, context.Cause for a
// cancelled Context, ErrStopped for Stop) and whether SIGKILL was needed
// (Status.Forced). Deadlines and grace periods are timeouts in the
// application's loop, and Child.SetDeadline moves or cancels one while the
// child runs; a Context reaches the child through context.AfterFunc, so no
// goroutine waits per child.
//
// How far "the tree" reaches is Config.Tree. TreeNone (the default) signals
// the child alone, as os/exec does. TreeCgroup spawns each child straight
// into a cgroup v2 of its own (clone3 CLONE_INTO_CGROUP) and kills with
// cgroup.kill, which no descendant escapes, setsid or not; TreeGroup makes
// each child a process-group leader and signals the group, which setsid'd
// descendants do escape. TreeAuto takes the cgroup where the process may
// create one (root, or a delegated subtree; the hierarchy is found through
// /proc/self/mountinfo) and the group otherwise; Parent.Tree says which.
// With either, a child's tree ends with it: what it left behind is sent
// SIGKILL before its OnExit runs.
//
// Every Status carries the child's resource use from the reaping call
// itself (Status.Usage: CPU, max RSS, page faults, as
// os.ProcessState.SysUsage) and, with a cgroup, the whole tree's CPU and
// peak memory (Status.TreeUsage), descendants nobody waited for included.
//
// # What runs where
//
// Three kinds of code touch a parent:
//
//   - The signal path (the raw handler, or the os/signal relay goroutine)
//     writes one byte to each registered self-pipe. It reads an immutable
//     snapshot of write ends from an atomic pointer and takes no lock,
//     allocates nothing and never blocks: pipes are non-blocking and EAGAIN
//     means a wake-up is already pending.
//   - The loop goroutine delivers the self-pipe's (or the pidfd set's)
//     readiness. The parent then drains the pipe, reaps under its mutex,
//     collects every exit into a buffer, releases the mutex and only then
//     runs the callbacks; so a callback may Spawn, Kill or Close.
//   - Caller goroutines run Spawn, ForkNoexec, Signal, Close,
//     SigchldOccurred and Reaped; all are safe concurrently.
//
// # Why no exit is lost
//
// SIGCHLDs coalesce (in the kernel and in the Go runtime: 1000 exits can
// arrive as a handful of signals), so a signal only ever means "look". The
// parent drains its pipe before it reaps: a signal arriving after the
// drain leaves a byte that causes another pass; one arriving before it is
// covered by the pass that follows. A parent joins the SIGCHLD user list
// (self-pipe registered in the loop, snapshot published) before its first
// fork. Where another reaper could take an unrecorded child (ModeReapAll's
// wait4(-1), a ModeApp application's reaper) it forks with its mutex held, so
// a child cannot be reaped before it is recorded. Otherwise it forks without
// the mutex, so the loop goes on reaping meanwhile: a pidfd stays readable
// until reaped, and with the per-pid scan a collect pass that ran during the
// fork is noticed afterwards and answered with one more self-pipe wake-up;
// forks in flight keep the parent subscribed to SIGCHLD, and Close waits
// for them. A status that cannot be collected
// because someone else reaped the child (ECHILD) is reported to the callback
// with ErrStatusLost, never dropped.
//
// # Why nothing deadlocks
//
// Lock order: parent mutex → process-wide user-list mutex → osevent
// registry mutex → locks inside the application's hooks. Callbacks run with
// none of them held. The signal path holds none and waits for none; a
// parent leaving the user list publishes a snapshot without its pipe and
// waits until no signal writer still uses the old one before closing the
// pipe, so no byte is ever written into a reused fd number.
package childproc
