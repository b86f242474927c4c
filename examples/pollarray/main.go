// Command pollarray reads shell commands from stdin, one per line, runs each
// as a child process and prints its output and how it ended; it exits once
// stdin is closed and every child is done.
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
// The children's stdout and stderr are library pipes (Cmd.Stdout and
// Cmd.Stderr are childproc.OnData): their read ends are in that same array,
// so each chunk a child writes is read inside AfterPoll and handed to it on this
// goroutine, which prints it line by line, tagged with the command's number
// and stream:
//
//	[1] $ sleep 0.2; echo slept   (pid 4242)
//	[1] out| slept
//	[1] exit 0 after 204ms
//
// Commands run concurrently, so the lines of different commands interleave;
// each line is whole (a partial line waits for its end, or for the child's
// last output). The final "exit" line comes from OnDone, which runs after
// the exit once both pipes reached EOF, so no output follows it. A command
// that leaves a background process holding its pipe is cut after
// childproc.DefaultDrainTimeout (a second) and says so.
//
// Try it, typing commands (Ctrl-D ends the input), or from a pipe:
//
//	go run ./examples/pollarray
//	printf 'exit 3\nsleep 0.2; echo slept\necho oops >&2; kill -KILL $$\n' | go run ./examples/pollarray
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/examples/internal/human"
	"github.com/childloop/childloop/osevent"
	"golang.org/x/sys/unix"
)

// maxLine bounds the partial line kept per stream: a longer line is printed
// in pieces of this size.
const maxLine = 4096

const usage = `usage: pollarray < commands

Pollarray reads shell commands from stdin, one per line, and runs each as
sh -c LINE as soon as it is read, several at once. It prints each child's
stdout and stderr line by line as they come, tagged with the command's
number ([1] out| ...), then how the command ended. Its own poll(2) loop
watches stdin next to the library's fds (osevent.PollArray). It exits once
stdin is closed (Ctrl-D on a terminal) and every command is done.

`

func main() {
	flag.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), usage)
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if isTerminal(0) {
		fmt.Fprintln(os.Stderr, "pollarray: type shell commands, one per line; each runs at once and its output shows as it comes. Ctrl-D ends the input.")
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "pollarray:", err)
		os.Exit(1)
	}
}

// lineWriter prints a stream's output line by line with a prefix, keeping
// the last partial line until its end arrives. Used on the loop goroutine
// only.
type lineWriter struct {
	prefix string
	part   []byte
}

// write prints every complete line of p (with what was kept before it).
func (w *lineWriter) write(p []byte) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.part = append(w.part, p...)
			for len(w.part) >= maxLine { // no newline in sight: print a piece
				fmt.Printf("%s%s\n", w.prefix, w.part[:maxLine])
				w.part = append(w.part[:0], w.part[maxLine:]...)
			}
			return
		}
		fmt.Printf("%s%s%s\n", w.prefix, w.part, p[:i])
		w.part, p = w.part[:0], p[i+1:]
	}
}

// flush prints a last line that had no newline.
func (w *lineWriter) flush() {
	if len(w.part) > 0 {
		fmt.Printf("%s%s\n", w.prefix, w.part)
		w.part = nil
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
	defer pa.Close() // after parent.Close (defers run in reverse)

	parent, err := childproc.New(pa, childproc.Config{})
	if err != nil {
		return err
	}
	defer parent.Close()

	var (
		pending  []byte // stdin bytes not yet forming a whole line
		stdinEOF bool
		buf      [4096]byte
		fds      []unix.PollFd // our entries first, then the library's
		started  int           // commands numbered so far
		running  int           // commands whose OnDone has not run yet
	)
	spawn := func(line string) {
		started++
		n := started
		tag := fmt.Sprintf("[%d] ", n)
		out := &lineWriter{prefix: tag + "out| "}
		errw := &lineWriter{prefix: tag + "err| "}
		start := time.Now()
		var ran time.Duration // set by OnExit
		ch, err := parent.Spawn(&childproc.Cmd{
			Args: []string{"sh", "-c", line},
			// Library pipes, read through the poll array. The library
			// keeps nothing, each chunk goes to OnData (inside
			// AfterPoll, on this goroutine) and is printed at once.
			Stdout: childproc.OnData(func(p []byte) { out.write(p) }),
			Stderr: childproc.OnData(func(p []byte) { errw.write(p) }),
			OnExit: func(*childproc.Child, childproc.Status) { ran = time.Since(start) },
			// After the exit and the pipes' EOF (or the drain deadline):
			// the command's last word.
			OnDone: func(_ *childproc.Child, r *childproc.Result) {
				out.flush()
				errw.flush()
				note := ""
				if r.Cut {
					note = fmt.Sprintf(" (output cut: a pipe was still open %v after the exit)", childproc.DefaultDrainTimeout)
				}
				fmt.Printf("%s%v after %v%s\n", tag, r.Status, human.Duration(ran), note)
				running--
			},
		})
		if err != nil {
			fmt.Printf("%s$ %s: %v\n", tag, line, err)
			return
		}
		running++
		fmt.Printf("%s$ %s   (pid %d)\n", tag, line, ch.Pid())
	}

	for !stdinEOF || running > 0 {
		// Our own entries: stdin, until it is closed.
		fds = fds[:0]
		if !stdinEOF {
			fds = append(fds, unix.PollFd{Fd: 0, Events: unix.POLLIN})
		}
		mine := len(fds)
		// BeforePoll appends the library's fds (the children's pipes, and
		// its pidfds or SIGCHLD self-pipe) and lowers our timeout (-1: we
		// have no timer of our own) to its earliest deadline (a drain
		// deadline, say).
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
		// The library's part of the array: pipe data (OnData), child
		// exits, its timeouts; OnDone when a child is complete.
		if err := pa.AfterPoll(fds, time.Now()); err != nil {
			return err
		}
	}
	return nil
}

// isTerminal reports whether fd is a terminal (one that has a window size).
func isTerminal(fd int) bool {
	_, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
	return err == nil
}
