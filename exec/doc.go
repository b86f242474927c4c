// Package exec runs external commands like os/exec, without a thread per
// waiting child. For the common subset, migrating is changing the import
// line "os/exec" to "github.com/childloop/childloop/exec":
//
//	out, err := exec.Command("date").Output()
//	var ee *exec.ExitError
//	if errors.As(err, &ee) { log.Print(ee.ExitCode(), string(ee.Stderr)) }
//
// os/exec's Wait blocks in waitid on an OS thread per child, so N
// concurrent Waits hold N threads and a program with about 10000 waiting
// children dies of "thread exhaustion" (Go's default limit). Here every
// child is spawned into a childproc.Context driven by one loop.Loop whose
// goroutine sits in epoll_wait; Wait parks the calling goroutine until
// the child's last callback, on that goroutine, releases it (the child is
// reaped by then, as with os/exec). Waiting costs a goroutine, never a
// thread.
//
// # The loop
//
// Command and CommandContext use a loop and context of the package's own,
// made on the first Start. Its goroutine runs only while the package has
// children: when the last one is done it closes the context and the loop
// and exits, and the next Start makes them again. A program that owns a
// loop and a childproc.Context uses NewRunner instead; it then runs the
// loop itself, and must not call Wait on the loop's goroutine (Wait would
// wait for a callback that goroutine can no longer run; this is not
// detected).
//
// # Differences from os/exec
//
//   - No Cmd.Process and no Cmd.ProcessState: an *os.Process would need a
//     pidfd of its own and its Wait would race the loop's reaping of the
//     same child. Cmd.Pid gives the pid, Cmd.Status (a childproc.Status:
//     exit code, signal, resource use, why the library stopped the child)
//     and Cmd.ExitCode stand for the ProcessState. Cmd.Signal and Cmd.Kill
//     stand for Process.Signal and Process.Kill: they return
//     os.ErrProcessDone once the child has been reaped, so they never
//     signal a reused pid.
//   - ExitError does not embed *os.ProcessState (only package os can make
//     one): it carries the childproc.Status, with Error (the same text as
//     os/exec's: "exit status 3", "signal: killed"), String, ExitCode,
//     Exited, Success, UserTime and SystemTime, and Stderr as Output
//     fills it. Its Sys, SysUsage and Pid are missing.
//   - Cmd.Cancel is not supported: a cancelled context always sends
//     SIGKILL (os/exec's default Cancel), or, with Timeout or Grace set,
//     SIGTERM and SIGKILL Grace later. What Wait returns then is
//     os/exec's: the *ExitError "signal: killed" (errors.Is with
//     context.Canceled or DeadlineExceeded does not hold, ExitCode -1),
//     or ctx.Err() if the child still exited 0.
//   - Timeout and Grace are extensions: a deadline counted from Start
//     without a context, kept as a timer in the loop. Such a child ends
//     with "signal: terminated" (or "signal: killed" after Grace), and
//     Status.Cause wraps context.DeadlineExceeded.
//   - A Stdout or Stderr that is not an *os.File is written on the loop
//     goroutine, chunk by chunk, so its Write must not block: a
//     bytes.Buffer, a file or a bufio.Writer are fine, an io.Pipe's
//     writer is not (it would stall every child of the loop; use
//     StdoutPipe). No goroutine copies output. After a Write error the
//     rest is read and dropped (os/exec stops reading), and Wait returns
//     the error.
//   - A *bytes.Reader, *bytes.Buffer or *strings.Reader Stdin is read
//     whole at Start and written by the loop; an empty one gives the
//     child /dev/null. Any other reader is copied by a goroutine into a
//     pipe, as os/exec does (a goroutine blocked there is parked in the
//     netpoller, not on a thread).
//   - WaitDelay bounds only the wait for I/O after the child's exit; it
//     does not kill a child that outlives its cancelled context (Grace
//     does that). With WaitDelay zero, the wait after a cancellation or
//     Timeout is still bounded by childproc.DefaultDrainTimeout.
//   - An os/exec PWD entry added to the environment when Dir is set and
//     Env is nil, and os/exec's removal of duplicate Env entries, are not
//     done: the environment goes to the child as given.
//   - Environ, Cmd.Environ and the Windows-only fields are missing.
//   - As with os/exec, a Cmd is not safe for concurrent use: Wait may run
//     on another goroutine than Start once Start has returned; Signal and
//     Kill may be called from any goroutine after Start.
package exec
