//go:build linux

package childproc_test

import (
	"errors"
	"github.com/childloop/childloop/noexec"
	"io/fs"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childloop/childloop/childproc"
)

// classes are every sentinel an error of the package may wrap.
var classes = []error{
	fs.ErrClosed, os.ErrInvalid, os.ErrProcessDone, errors.ErrUnsupported, exec.ErrNotFound, fs.ErrNotExist,
	childproc.ErrUnknownChild, childproc.ErrReapAllInUse, childproc.ErrStatusLost, childproc.ErrDisowned, childproc.ErrForked,
}

// classified reports whether err wraps an exported sentinel or a system-call
// error, so that a caller can tell what happened without parsing text.
func classified(err error) bool {
	var se *os.SyscallError
	if errors.As(err, &se) {
		return true
	}
	for _, c := range classes {
		if errors.Is(err, c) {
			return true
		}
	}
	return false
}

// TestErrorsClassify walks every error path of the exported API that a test
// can reach and checks that each error wraps the documented sentinel (and
// hence is classified).
func TestErrorsClassify(t *testing.T) {
	l := childproc.StartLoop(t)
	nop := func(*childproc.Child, childproc.Status) {}
	foreign := func(int, childproc.Status) {}
	c := newParent(t, l, parentOf{})
	closed, err := childproc.New(l, childproc.Config{})
	require.NoError(t, err)
	require.NoError(t, closed.Close())
	reapAll, err := childproc.New(l, childproc.Config{Mode: childproc.ModeReapAll, OnForeignExit: foreign})
	require.NoError(t, err)
	defer reapAll.Close()
	_, errSecond := childproc.New(l, childproc.Config{Mode: childproc.ModeReapAll, OnForeignExit: foreign})
	reapAll.Close()

	// A child that has been reaped, for the os.ErrProcessDone paths.
	rec := newRecorder()
	gone, err := c.Spawn(shell("exit 0", rec.onExit(c)))
	require.NoError(t, err)
	rec.wait(t, 1)
	// A live child of the parent, for Adopt of a pid it already has.
	live, err := c.Spawn(&childproc.Cmd{Args: []string{"sleep", "60"}, OnExit: nop})
	require.NoError(t, err)
	defer live.Kill()

	step := func(s *noexec.Steps) error {
		_, err := c.ForkNoexec(s, nop)
		return err
	}
	_, errAdoptDup := c.Adopt(live.Pid(), nop)
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"New: ReapAll without OnForeignExit", second(childproc.New(l, childproc.Config{Mode: childproc.ModeReapAll})), os.ErrInvalid},
		{"New: second ReapAll", errSecond, childproc.ErrReapAllInUse},
		{"Spawn: empty Args", second(c.Spawn(&childproc.Cmd{OnExit: nop})), os.ErrInvalid},
		{"Spawn: not in PATH", second(c.Spawn(&childproc.Cmd{Args: []string{"no-such-command-childloop"}, OnExit: nop})), exec.ErrNotFound},
		{"Spawn: missing path", second(c.Spawn(&childproc.Cmd{Path: "/nonexistent/x", Args: []string{"x"}, OnExit: nop})), fs.ErrNotExist},
		{"Spawn: nil ExtraFiles entry", second(c.Spawn(&childproc.Cmd{Args: []string{"/bin/true"}, ExtraFiles: []*os.File{nil}, OnExit: nop})), os.ErrInvalid},
		{"Spawn: closed", second(closed.Spawn(&childproc.Cmd{Args: []string{"/bin/true"}, OnExit: nop})), fs.ErrClosed},
		{"Adopt: pid 0", second(c.Adopt(0, nop)), os.ErrInvalid},
		{"Adopt: pid -5", second(c.Adopt(-5, nop)), os.ErrInvalid},
		{"Adopt: already ours", errAdoptDup, os.ErrInvalid},
		{"Adopt: not our child", second(c.Adopt(os.Getppid(), nop)), childproc.ErrUnknownChild},
		{"Adopt: closed", second(closed.Adopt(os.Getppid(), nop)), fs.ErrClosed},
		{"SigchldOccurred: library owns SIGCHLD", c.SigchldOccurred(), os.ErrInvalid},
		{"Reaped: library owns SIGCHLD", c.Reaped(1, 0), os.ErrInvalid},
		{"Reaped: unknown pid", newParent(t, nil, parentOf{Mode: childproc.ModeApp}).Reaped(1, 0), childproc.ErrUnknownChild},
		{"Signal: reaped", gone.Signal(syscall.SIGTERM), os.ErrProcessDone},
		{"SignalGroup: reaped", gone.SignalGroup(syscall.SIGTERM), os.ErrProcessDone},
		{"Kill: reaped", gone.Kill(), os.ErrProcessDone},
		{"Disown: reaped", gone.Disown(), os.ErrProcessDone},
		{"Steps.Exit(300)", step(new(noexec.Steps).Exit(300)), os.ErrInvalid},
		{"Steps.Dup2(-1, 2)", step(new(noexec.Steps).Dup2(-1, 2)), os.ErrInvalid},
		{"Steps.CloseFrom(-1)", step(new(noexec.Steps).CloseFrom(-1)), os.ErrInvalid},
		{"Steps.Exec: empty argv", step(new(noexec.Steps).Exec("/bin/true", nil, nil)), os.ErrInvalid},
		{"Steps.Chdir: NUL", step(new(noexec.Steps).Chdir("a\x00b")), os.ErrInvalid},
		{"Steps.Exec: NUL", step(new(noexec.Steps).Exec("/bin/true", []string{"a\x00"}, nil)), os.ErrInvalid},
		{"ForkNoexec: closed", second(closed.ForkNoexec(new(noexec.Steps), nop)), fs.ErrClosed},
	} {
		if assert.Error(t, tc.err, tc.name) {
			assert.ErrorIs(t, tc.err, tc.want, tc.name)
			assert.True(t, classified(tc.err), "%s: %v is not classifiable", tc.name, tc.err)
		}
	}
	assert.NoError(t, closed.Close(), "a second Close returns nil")
}

// second returns the error of a two-result call.
func second[T any](_ T, err error) error { return err }
