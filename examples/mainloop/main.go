// Command mainloop shows childproc's Config.ModeApp: the application owns
// SIGCHLD and its own poll(2) loop, and the library only reaps when told to.
//
// The application here catches SIGCHLD with os/signal; a goroutine turns
// each notification into one byte on the application's self-pipe, which its
// loop polls. What to do on wake-up is the choice this example shows:
//
//	go run ./examples/mainloop            # parent.SigchldOccurred()
//	go run ./examples/mainloop -reaper    # the app reaps: wait4(-1) + parent.Reaped
//
// In both variants the program also runs a command with os/exec, as other
// code in a real program would:
//
//   - Default: SigchldOccurred makes the parent wait4 for each of *its*
//     children by pid, so the exec.Cmd's child is left alone and
//     exec.Cmd.Wait succeeds.
//   - -reaper: the application's wait4(-1, WNOHANG) reaps *every* child of
//     the process, the exec.Cmd's included. The parent refuses statuses
//     that are not its own (ErrUnknownChild) and the program prints them —
//     but the status is gone: exec.Cmd.Wait then fails with ECHILD ("no
//     child processes"), the bug of ramr/go-reaper#2 and consul-template#507.
//     To show that deterministically this program calls Wait only after the
//     reaper took the pid; a real program must not run os/exec at all
//     beside a wait4(-1) reaper (or must use the default variant).
//
// What the relay costs: os/signal coalesces SIGCHLDs (a signal only ever
// means "look"), and every exit takes a goroutine wake-up and a pipe write
// before the loop sees it — slower than the library's own raw handler or
// pidfds. Prefer the default Config when you can hand the library an fd hook.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/examples/internal/human"
	"golang.org/x/sys/unix"
)

const usage = `usage: mainloop [-reaper]

Mainloop is an application that owns SIGCHLD and its own poll(2) loop
(childproc.Config.Mode ModeApp). It runs three children through a
childproc.Parent and one with os/exec, prints how each ended, and exits
once all four are done. By default each SIGCHLD wake-up calls
parent.SigchldOccurred(), and os/exec keeps its child's status; with -reaper
the application reaps every child with wait4(-1) and hands each status to
parent.Reaped, so it also takes the os/exec child's status (its Wait fails).

`

func main() {
	reaper := flag.Bool("reaper", false, "reap with wait4(-1) and feed parent.Reaped instead of calling parent.SigchldOccurred")
	flag.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), usage)
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*reaper); err != nil {
		fmt.Fprintln(os.Stderr, "mainloop:", err)
		os.Exit(1)
	}
}

func run(reaper bool) error {
	// The application's self-pipe: non-blocking, so that the relay never
	// blocks (a full pipe already means "wake up"), close-on-exec, so no
	// child inherits it. ForkLock keeps a concurrent fork from inheriting
	// the fds between pipe and CloseOnExec (pipe2 does it in one call, on
	// the systems that have it).
	var p [2]int
	syscall.ForkLock.RLock()
	err := unix.Pipe(p[:])
	if err == nil {
		unix.CloseOnExec(p[0])
		unix.CloseOnExec(p[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return os.NewSyscallError("pipe", err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	for _, fd := range p {
		if err := unix.SetNonblock(fd, true); err != nil {
			return os.NewSyscallError("fcntl", err)
		}
	}

	// The application catches SIGCHLD its own way. Notify before the first
	// fork, or an early exit goes unnoticed.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGCHLD)
	defer signal.Stop(sigs)
	go func() {
		for range sigs {
			_, _ = unix.Write(p[1], []byte{0}) // EAGAIN: a wake-up is pending anyway
		}
	}()

	// Config.ModeApp installs nothing and needs no fd hooks: nil is allowed.
	parent, err := childproc.New(nil, childproc.Config{Mode: childproc.ModeApp})
	if err != nil {
		return err
	}
	defer parent.Close()

	if reaper {
		fmt.Println("mainloop -reaper: 3 library children and 1 os/exec child; on SIGCHLD the app reaps every child with wait4(-1) and hands the statuses to parent.Reaped")
	} else {
		fmt.Println("mainloop: 3 library children and 1 os/exec child; on SIGCHLD the app calls parent.SigchldOccurred(), which reaps only the parent's children")
	}
	start := time.Now()
	for _, script := range []string{"exit 2", "sleep 0.1", "kill -TERM $$"} {
		ch, err := parent.Spawn(&childproc.Cmd{
			Args: []string{"sh", "-c", script},
			OnExit: func(ch *childproc.Child, st childproc.Status) {
				fmt.Printf("library child %q (pid %d): %v after %v\n", script, ch.Pid(), st, human.Duration(time.Since(start)))
			},
		})
		if err != nil {
			return err
		}
		fmt.Printf("library child %q started (pid %d)\n", script, ch.Pid())
	}

	// Other code in the program uses os/exec.
	cmd := exec.Command("sh", "-c", "exit 7")
	if err := cmd.Start(); err != nil {
		return err
	}
	fmt.Printf("os/exec child started (pid %d)\n", cmd.Process.Pid)
	execDone := make(chan error, 1)
	if !reaper {
		// The usual way: Wait in a goroutine (nobody else reaps its
		// child), then wake the loop so that it sees the result.
		go func() {
			execDone <- cmd.Wait()
			_, _ = unix.Write(p[1], []byte{0})
		}()
	}
	reportExec := func(err error) {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			fmt.Printf("os/exec child: Wait returned its status: %v after %v\n", ee.ProcessState, human.Duration(time.Since(start)))
		} else {
			fmt.Printf("os/exec child: Wait failed: %v\n", err)
		}
	}
	execPending := true

	// The application's own loop. Here it polls only the self-pipe; a real
	// program has its sockets etc. in the same array.
	fds := []unix.PollFd{{Fd: int32(p[0]), Events: unix.POLLIN}}
	for parent.Len() > 0 || execPending {
		select {
		case err := <-execDone:
			reportExec(err)
			execPending = false
			continue
		default:
		}
		if _, err := unix.Poll(fds, -1); err != nil {
			if err == unix.EINTR { // Go's runtime signals interrupt poll
				continue
			}
			return os.NewSyscallError("poll", err)
		}
		if fds[0].Revents == 0 {
			continue
		}
		// Drain first, then reap: a SIGCHLD arriving after the drain
		// leaves a byte for the next round, so no exit is missed.
		var buf [64]byte
		for {
			if n, _ := unix.Read(p[0], buf[:]); n <= 0 {
				break
			}
		}
		if !reaper {
			// The library checks its own children (by pid) and runs
			// their OnExit callbacks on this goroutine, before returning.
			if err := parent.SigchldOccurred(); err != nil {
				return err
			}
			continue
		}
		// -reaper: reap everything that is ready and offer each status to
		// the parent (to every parent, in a program with several).
		for {
			var ws unix.WaitStatus
			pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
			if err == unix.EINTR {
				continue
			}
			if err != nil || pid <= 0 { // ECHILD: no children; 0: none ready
				break
			}
			err = parent.Reaped(pid, syscall.WaitStatus(ws))
			if errors.Is(err, childproc.ErrUnknownChild) {
				fmt.Printf("reaper: pid %d is not the parent's (%v): exit %d\n", pid, err, ws.ExitStatus())
				if execPending && pid == cmd.Process.Pid {
					// We took the exec.Cmd's status; see the top of the file.
					reportExec(cmd.Wait())
					execPending = false
				}
			} else if err != nil {
				return err
			}
		}
	}
	return nil
}
