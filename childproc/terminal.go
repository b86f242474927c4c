package childproc

// Pseudo-terminals as stdio. The master end is one more fd in the
// application's loop, read and written by the same callbacks as a pipe's
// parent end; the slave end is the child's fds 0..2 (those given the
// Terminal) and its controlling terminal.
//
// Nothing written before the exit is lost: the parent keeps its own slave
// fd until the child is reaped, so the master cannot report end-of-file
// (EIO, once every slave fd is closed) while the child may still write;
// after the reap it closes that fd and reads on until EIO, which is the
// terminal's end-of-file. A descendant still holding the terminal keeps
// the output open until the drain deadline, as with a pipe.

import (
	"fmt"
	"io"
	"os"
)

// MaxTerminalSize bounds Terminal.Rows and Terminal.Cols (and Child.Resize's
// arguments): the kernel keeps each in 16 bits.
const MaxTerminalSize = 1<<16 - 1

// Terminal is a pseudo-terminal for a child's stdio: give the same
// *Terminal as Cmd.Stdin, Stdout and Stderr (or some of them; the others
// are handled as usual) and the child runs in a new session with the
// terminal as its controlling terminal, so programs that check isatty
// behave as they would in a terminal emulator (colours, line editing,
// progress bars).
//
// The library opens the terminal at Spawn, with the size given, in the
// kernel's default mode (canonical input, echo, "\n" written as "\r\n"),
// and drives its master end through the loop: what the child writes to the
// terminal, and the echo of what is typed, goes to Output like a pipe's
// output; Input is written to it like an Input stdin. Child.Resize changes
// the size (the child gets SIGWINCH).
//
// The terminal's output is complete when OnDone runs: every byte written
// before the exit is read (end-of-file on a terminal is the EIO the master
// reports once no process holds the slave; it is not an error), unless a
// descendant kept the terminal open past the drain deadline (Result.Cut).
// When fd 1 (or else fd 2) is on the terminal, Result.Stdout (Stderr)
// reports the terminal's output.
//
// A Terminal serves one child. Terminals need Linux; elsewhere Spawn
// returns an error wrapping errors.ErrUnsupported.
type Terminal struct {
	// Rows and Cols are the initial size, each between 1 and
	// MaxTerminalSize.
	Rows, Cols int
	// Output receives the terminal's output on the loop goroutine, as a
	// Stdout writer does (an *Output keeps it, OnData streams it); its
	// Write must not block. Nil drains and drops it.
	Output io.Writer
	// Input, if not nil, is typed into the terminal: Data first, then, with
	// Input.Queue, what Child.WriteStdin queues. The terminal stays open
	// after Data is written (closing it would hang up the child); the
	// child's exit ends the input.
	Input *Input
}

// Read makes a Terminal a value Cmd.Stdin takes; the library does not call
// it. It returns io.EOF.
func (*Terminal) Read([]byte) (int, error) { return 0, io.EOF }

// Write makes a Terminal a value Cmd.Stdout and Cmd.Stderr take; the
// library does not call it. It passes p to Output (or drops it).
func (t *Terminal) Write(p []byte) (int, error) {
	if t.Output == nil {
		return len(p), nil
	}
	return t.Output.Write(p)
}

// checkSize validates a terminal size.
func checkSize(op string, rows, cols int) error {
	if rows < 1 || cols < 1 || rows > MaxTerminalSize || cols > MaxTerminalSize {
		return invalid("%s: terminal size %d×%d (rows and columns must be 1..%d)", op, rows, cols, MaxTerminalSize)
	}
	return nil
}

// Resize sets the size of the child's terminal; the kernel sends SIGWINCH
// to the terminal's foreground process group. It returns an error wrapping
// os.ErrInvalid for a child without a Terminal or for a bad size, and
// os.ErrProcessDone once the child has exited. It may be called from any
// goroutine.
func (ch *Child) Resize(rows, cols int) error {
	cio := ch.io
	if cio == nil || cio.ttyOn == 0 {
		return invalid("Resize: %v has no terminal", ch)
	}
	if err := checkSize("Resize", rows, cols); err != nil {
		return err
	}
	cio.mu.Lock()
	defer cio.mu.Unlock()
	if cio.slave < 0 {
		return os.ErrProcessDone
	}
	if err := setTerminalSize(cio.slave, rows, cols); err != nil {
		return fmt.Errorf("childproc: Resize: %w", err)
	}
	return nil
}

// controllingTerminal makes the spawn give the child a new session with
// its fd ctty as the controlling terminal (setsid, then TIOCSCTTY once
// the fds are in place, both in the fast spawn). SysProcAttr fields that
// would undo or contradict that are refused.
func (sa *spawnAttr) controllingTerminal(ctty int) error {
	sys := sa.ownSys()
	switch {
	case sys.Setctty:
		return invalid("spawn: SysProcAttr.Setctty with a Terminal, which is the controlling terminal")
	case sys.Setpgid:
		return invalid("spawn: SysProcAttr.Setpgid with a Terminal: the child leads a session, and its own group")
	case sys.Noctty, sys.Foreground:
		return invalid("spawn: SysProcAttr.Noctty or Foreground with a Terminal")
	}
	sys.Setsid, sys.Setctty, sys.Ctty = true, true, ctty
	return nil
}
