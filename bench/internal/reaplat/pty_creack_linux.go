package reaplat

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"

	"github.com/creack/pty"

	"github.com/childloop/childloop/bench/internal/harness"
)

// creackPty is the creack/pty row, run as its users run a child on a
// terminal: pty.StartWithSize on an exec.Cmd (it closes its slave once
// the child started), a goroutine per terminal copying the master into a
// writer until the read fails with EIO (no process holds the slave any
// more: the terminal's end), and cmd.Wait. Version 1.1.24 leaves the
// master in blocking mode (its ptsname ioctl goes through File.Fd), so
// each copy holds an OS thread in read(2), as each Wait does in waitid.
type creackPty struct{}

func (creackPty) close() {}

// creackTerm is one child on a creack/pty terminal.
type creackTerm struct {
	cmd     *exec.Cmd
	master  *os.File
	got     byteCounter   // written by the copy goroutine, read after copied
	copyErr error         // the copy's error other than EIO
	copied  chan struct{} // closed when the copy ended
	waitErr error         // Wait's, once waited is closed
	waited  chan struct{}
}

// creackStart starts prog on a new terminal and the goroutine that copies
// its output.
func creackStart(prog harness.Program) (*creackTerm, error) {
	cmd := &exec.Cmd{Path: prog.Path, Args: prog.Args, Env: []string{}}
	m, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: ptyRows, Cols: ptyCols})
	if err != nil {
		return nil, err
	}
	t := &creackTerm{cmd: cmd, master: m, copied: make(chan struct{}), waited: make(chan struct{})}
	go func() {
		defer close(t.copied)
		if _, err := io.Copy(&t.got, m); !errors.Is(err, syscall.EIO) {
			t.copyErr = err
		}
	}()
	return t, nil
}

// wait waits for the child and its copy, then closes the master; it
// returns the first problem.
func (t *creackTerm) wait() error {
	<-t.waited
	<-t.copied
	return errors.Join(t.waitErr, t.copyErr, t.master.Close())
}

func (creackPty) output(prog harness.Program) (int64, error) {
	t, err := creackStart(prog)
	if err != nil {
		return 0, err
	}
	t.waitErr = t.cmd.Wait()
	close(t.waited)
	err = t.wait()
	return t.got.n, err
}

func (creackPty) terminals(prog harness.Program, n int, line []byte, started func()) (*ptyFleet, error) {
	f := newPtyFleet(n)
	terms := make([]*creackTerm, 0, n)
	// finish waits for every child started; after a failure it kills
	// them first.
	finish := func(kill bool) {
		for i, t := range terms {
			if kill {
				_ = t.cmd.Process.Kill()
			}
			if err := t.wait(); err != nil {
				f.fail(fmt.Errorf("%s: %w", prog.Path, err))
			}
			f.counts[i] = t.got.n
		}
	}
	for range n {
		t, err := creackStart(prog)
		if err != nil {
			finish(true)
			return f, err
		}
		terms = append(terms, t)
		go func() {
			t.waitErr = t.cmd.Wait()
			close(t.waited)
		}()
	}
	started()
	for _, t := range terms {
		if _, err := t.master.Write(line); err != nil {
			finish(true)
			return f, err
		}
	}
	finish(false)
	return f, nil
}
