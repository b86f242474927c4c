// Package exec is os/exec without a thread per waiting child. Migrating is
// changing the import line "os/exec" to "github.com/childloop/childloop/exec":
//
//	out, err := exec.CommandContext(ctx, "git", "rev-parse", "HEAD").Output()
//	var ee *exec.ExitError
//	if errors.As(err, &ee) { log.Print(ee.ExitCode(), string(ee.Stderr)) }
//
// os/exec's Wait blocks in waitid on an OS thread, so N concurrent Waits
// hold N threads, and a program with about 10000 waiting children dies of
// "thread exhaustion" (Go's default limit). Here each Cmd holds a real
// os/exec Cmd: Start is os/exec's Start, after which the child's pidfd (the
// one os/exec already holds, not a copy) joins the epoll set of one loop
// goroutine; Wait parks the calling goroutine until that loop has seen the
// child exit, then calls os/exec's Wait, which reaps the zombie at once and
// returns os/exec's own ProcessState and errors. Everything else, fields,
// methods, errors, Cancel, WaitDelay, Environ, the goroutines that copy a
// Stdout that is not an *os.File, is os/exec's own, so it behaves as
// os/exec does; a conformance test runs the toolchain's os/exec tests
// against this package.
//
// # The loop
//
// Command and CommandContext use a loop and childproc.Parent of the package's own,
// made on the first Start. Its goroutine runs only while the package has
// children: when the last one has exited it closes the parent and the loop
// and exits, and the next Start makes them again. A program that owns a
// loop and a childproc.Parent uses NewRunner instead; it then runs the
// loop itself, and must not call Wait on the loop's goroutine (Wait would
// wait for a callback that goroutine can no longer run; this is not
// detected).
//
// # Differences from os/exec
//
// The extensions, each inert when left zero:
//
//   - Cmd.Timeout stops the child that long after Start (SIGTERM, then
//     SIGKILL Cmd.Grace later), from a timer in the loop.
//   - Cmd.Grace makes CommandContext's default Cancel stop the child
//     gently: SIGTERM, then SIGKILL Grace later.
//   - Cmd.KillTree gives the child a cgroup of its own (a process group
//     where none can be made): the default Cancel and Timeout reach its
//     whole tree, and what it leaves behind is killed when it exits.
//   - Cmd.Cause says why the loop stopped the child; Cmd.TreeUsage gives a
//     KillTree child's whole-tree CPU and peak memory.
//   - Runner and NewRunner start commands in a childproc.Parent on the
//     caller's loop.
//
// Grace means what childproc.Cmd.Grace means: the time between a stop's
// SIGTERM and its SIGKILL, childproc.DefaultGrace when zero for a Timeout.
// The one difference is os/exec's: with Grace zero, CommandContext's
// default Cancel kills at once. The wait for a child's pipes after its
// exit is os/exec's WaitDelay here (zero waits as long as they stay open),
// and childproc.Cmd.DrainTimeout for library pipes (zero means
// childproc.DefaultDrainTimeout): os/exec's tests judge this package, so
// its zero keeps os/exec's meaning.
//
// There is no terminal extension: a pseudo-terminal is given to a Cmd as
// to an os/exec Cmd (its slave as Stdin, Stdout and Stderr, with
// SysProcAttr Setsid and Setctty, which is what creack/pty's Start sets),
// and the Cmd behaves as os/exec's does. For a terminal read through the
// loop, with no goroutine per terminal and no output lost at the exit,
// use childproc.Terminal.
//
// One rule os/exec does not have: a started Cmd's Process must not be
// waited for or released by hand (Process.Wait, Process.Release): that
// closes the pidfd the loop watches, and Cmd.Wait would then wait forever.
// Cmd.Wait does both.
//
// Where the kernel has no pidfds (Linux before 5.4, other systems), a Cmd
// without extensions runs as os/exec's alone, its Wait on a thread; Start
// of a Cmd with one fails with an error wrapping errors.ErrUnsupported.
package exec
