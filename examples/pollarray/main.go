// Command pollarray reads shell commands from stdin, one per line, runs each
// as a child process and prints how it ended; it exits once stdin is closed
// and every child is done.
//
// It shows the poll-array integration (libxl's beforepoll/afterpoll): the
// application calls poll(2) itself on an array that holds its own fds (here
// stdin) followed by the library's, which osevent.PollArray appends and
// later dispatches:
//
//	for {
//		fds, timeout = pa.BeforePoll(fds[:mine], myTimeout, time.Now())
//		unix.Poll(fds, timeout)
//		... handle fds[:mine] ...
//		pa.AfterPoll(fds, time.Now()) // runs the library's callbacks
//	}
//
// Try it:
//
//	printf 'exit 3\nsleep 0.2; echo slept\nkill -KILL $$\n' | go run ./examples/pollarray
package main

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/osevent"
	"golang.org/x/sys/unix"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "pollarray:", err)
		os.Exit(1)
	}
}

func run() error {
	// The PollArray is the hooks.OSEvents the library registers through.
	// It owns a wake fd, so that a registration made on another goroutine
	// can interrupt our poll.
	pa, err := osevent.NewPollArray()
	if err != nil {
		return err
	}
	defer pa.Close() // after ctx.Close (defers run in reverse)

	ctx, err := childproc.New(pa, childproc.Config{})
	if err != nil {
		return err
	}
	defer ctx.Close()

	var (
		pending  []byte // stdin bytes not yet forming a whole line
		stdinEOF bool
		buf      [4096]byte
		fds      []unix.PollFd // our entries first, then the library's
	)
	spawn := func(line string) {
		ch, err := ctx.Spawn(&childproc.Cmd{
			Args:   []string{"sh", "-c", line},
			Stdout: os.Stdout,
			Stderr: os.Stderr,
			// Runs inside AfterPoll, on this goroutine.
			OnExit: func(ch *childproc.Child, st childproc.Status) {
				fmt.Printf("%q (pid %d): %v\n", line, ch.Pid(), st)
			},
		})
		if err != nil {
			fmt.Printf("%q: %v\n", line, err)
			return
		}
		fmt.Printf("%q started (pid %d)\n", line, ch.Pid())
	}

	for !stdinEOF || ctx.Len() > 0 {
		// Our own entries: stdin, until it is closed.
		fds = fds[:0]
		if !stdinEOF {
			fds = append(fds, unix.PollFd{Fd: 0, Events: unix.POLLIN})
		}
		mine := len(fds)
		// BeforePoll appends the library's fds and lowers our timeout
		// (-1: we have no timer of our own) to its earliest deadline.
		var timeout int
		fds, timeout = pa.BeforePoll(fds, -1, time.Now())
		if _, err := unix.Poll(fds, timeout); err != nil && err != unix.EINTR {
			return os.NewSyscallError("poll", err)
		}
		// EINTR (Go's runtime signals interrupt poll) still goes through
		// AfterPoll below: every BeforePoll needs its AfterPoll, and an
		// interrupted poll reports no events.

		if mine > 0 && fds[0].Revents != 0 {
			// Readable (or hung up): one read cannot block now.
			n, err := unix.Read(0, buf[:])
			if n <= 0 && err != unix.EINTR && err != unix.EAGAIN {
				stdinEOF = true // EOF or a real error: stop reading
				n = 0
			}
			pending = append(pending, buf[:max(n, 0)]...)
			for {
				i := bytes.IndexByte(pending, '\n')
				if i < 0 {
					break
				}
				if line := string(bytes.TrimSpace(pending[:i])); line != "" {
					spawn(line)
				}
				pending = pending[i+1:]
			}
			if stdinEOF {
				if line := string(bytes.TrimSpace(pending)); line != "" {
					spawn(line) // last line without a newline
				}
				pending = nil
			}
		}
		// The library's part of the array: child exits, its timeouts.
		if err := pa.AfterPoll(fds, time.Now()); err != nil {
			return err
		}
	}
	return nil
}
