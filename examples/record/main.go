// Command record runs a command on a pseudo-terminal and records what it
// prints, with the time of each chunk, as an asciicast v2 file, the format
// asciinema plays (asciinema play FILE):
//
//	record [-o FILE] [-rows N] [-cols N] [-title T] [-input S] [--] command [args...]
//
// The command runs with fds 0, 1 and 2 on a terminal of its own
// (childproc.Terminal), so it prints its colours, progress bars and
// cursor movements as it would for a person. The terminal's output goes
// to a childproc.OnData on the reference loop (package loop), which writes
// each chunk as an event line when it comes, timed from the start; the
// file is complete when the command's output is (childproc.Cmd.OnDone).
// A chunk can end in the middle of a UTF-8 character, which a JSON string
// cannot hold half of: the incomplete tail waits for the next chunk.
//
// Recording is not interactive: nothing the recorder reads reaches the
// command, whose terminal gets only what -input types as it starts (in
// bash, -input $'yes\n' for a line; $'\x04', Ctrl-D, is end of file). A
// command that waits for more input waits until it is killed.
//
// The file (-o, default stdout) starts with a header line: the size
// (-rows and -cols, by default the recorder's own terminal's, else 24×80),
// the start in Unix seconds, the command, -title, and the TERM and SHELL
// of the command's environment (TERM=xterm-256color when the recorder's
// has none). Then comes one line per chunk, [seconds, "o", data]. The
// recorder prints a summary on stderr and exits with the command's exit
// status (128+N for a signal N), or as env(1) does with 125 for its own
// failure or bad usage, 126 when the command cannot run, 127 when it is
// not found.
//
// When stderr is a terminal, a line there first says what is recorded,
// where, and how to stop it: Ctrl-C stops the recorder, whose terminal then
// hangs up the command's (SIGHUP); what was recorded so far stays readable.
//
// Try it:
//
//	go run ./examples/record -o /tmp/ls.cast -- ls --color=auto -l / && asciinema play /tmp/ls.cast
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/examples/internal/human"
	"github.com/childloop/childloop/loop"
	"golang.org/x/sys/unix"
)

// Exit statuses of the recorder's own failures, as env(1) has them, above
// what commands commonly exit with.
const (
	exitFailed    = 125 // bad usage, or the recording failed
	exitCannotRun = 126
	exitNotFound  = 127
)

// The command's terminal when neither the recorder's environment nor its
// own terminal says otherwise.
const (
	defaultTerm    = "xterm-256color"
	defaultRows    = 24
	defaultColumns = 80
)

const usage = `usage: record [-o file] [-rows N] [-cols N] [-title T] [-input S] [--] command [args...]

Record runs a command on a terminal of its own and writes what it prints,
chunk by chunk with the time of each, as an asciicast v2 file, which
asciinema plays. The command gets no input but -input, typed as it starts.
Record exits with the command's status and prints a summary on stderr.

`

// options is the parsed command line; immutable once parsed.
type options struct {
	out        string // -o; "-" is stdout
	rows, cols int
	title      string
	input      string
	args       []string // the command
}

func main() {
	o, code := parseArgs(os.Args[1:])
	if code >= 0 {
		os.Exit(code)
	}
	code, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "record:", err)
	}
	os.Exit(code)
}

// parseArgs parses the command line; a code of 0 or more means exit with
// it (-h, bad usage).
func parseArgs(args []string) (options, int) {
	var o options
	fl := flag.NewFlagSet("record", flag.ContinueOnError)
	fl.StringVar(&o.out, "o", "-", "write the recording to `file` (replaced if it exists); - is stdout")
	fl.IntVar(&o.rows, "rows", 0, "the terminal's `rows` (default: the recorder's terminal's, else 24)")
	fl.IntVar(&o.cols, "cols", 0, "the terminal's `columns` (default: the recorder's terminal's, else 80)")
	fl.StringVar(&o.title, "title", "", "the recording's `title`, in its header")
	fl.StringVar(&o.input, "input", "", "`text` typed at the command's terminal as it starts")
	fl.Usage = func() {
		fmt.Fprint(fl.Output(), usage)
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, 0
		}
		return o, exitFailed // flag printed the error and the usage
	}
	o.args = fl.Args()
	var bad string
	switch {
	case len(o.args) == 0:
		bad = "no command"
	case o.rows < 0 || o.cols < 0 || o.rows > childproc.MaxTerminalSize || o.cols > childproc.MaxTerminalSize:
		bad = fmt.Sprintf("-rows and -cols must be 1..%d", childproc.MaxTerminalSize)
	}
	if bad != "" {
		fmt.Fprintln(fl.Output(), "record:", bad)
		fl.Usage()
		return o, exitFailed
	}
	rows, cols := ownSize()
	if o.rows == 0 {
		o.rows = rows
	}
	if o.cols == 0 {
		o.cols = cols
	}
	return o, -1
}

// ownSize is the size of the terminal the recorder runs in (on its stdin,
// stdout or stderr), else 24×80.
func ownSize() (rows, cols int) {
	for fd := range 3 {
		if ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ); err == nil && ws.Row > 0 && ws.Col > 0 {
			return int(ws.Row), int(ws.Col)
		}
	}
	return defaultRows, defaultColumns
}

// run records the command and returns the exit status: the command's, or
// one of the recorder's own with the error.
func run(o options) (int, error) {
	l, err := loop.New()
	if err != nil {
		return exitFailed, err
	}
	defer l.Close() // last, after the parent
	parent, err := childproc.New(l, childproc.Config{})
	if err != nil {
		return exitFailed, err
	}
	defer parent.Close() // kills and reaps the command on an early return

	// The file first: a command is not run when its recording could not
	// be kept.
	w, name := io.Writer(os.Stdout), "stdout"
	var file *os.File
	if o.out != "-" {
		if file, err = os.Create(o.out); err != nil {
			return exitFailed, err
		}
		defer file.Close() // on an early return
		w, name = file, o.out
	}
	env := os.Environ()
	term, ok := os.LookupEnv("TERM")
	if !ok {
		// Some programs colour nothing without TERM (GNU ls).
		term = defaultTerm
		env = append(env, "TERM="+term)
	}

	// c is set before the loop runs, which is where the callbacks come.
	var c *cast
	var res *childproc.Result // set by OnDone
	t := &childproc.Terminal{
		Rows: o.rows,
		Cols: o.cols,
		// Each chunk as it is read, on the loop goroutine; p is the
		// library's buffer, which cast.output copies what it keeps of.
		Output: childproc.OnData(func(p []byte) { c.output(p, time.Now()) }),
	}
	if o.input != "" {
		t.Input = &childproc.Input{Data: []byte(o.input)}
	}
	start := time.Now()
	_, err = parent.Spawn(&childproc.Cmd{
		Args:  o.args,
		Env:   env,
		Stdin: t, Stdout: t, Stderr: t,
		// After the exit and the terminal's end of file: every chunk has
		// been recorded.
		OnDone: func(_ *childproc.Child, r *childproc.Result) {
			c.flush(time.Now())
			res = r
			l.Stop()
		},
	})
	if err != nil {
		if file != nil {
			_ = os.Remove(o.out) // no recording
		}
		return spawnFailed(err)
	}
	command := shellJoin(o.args)
	c, err = newCast(w, header{
		Width:     o.cols,
		Height:    o.rows,
		Timestamp: start.Unix(),
		Command:   command,
		Title:     o.title,
		Env:       envHeader(term, os.Getenv("SHELL")),
	}, start)
	if err != nil {
		return exitFailed, fmt.Errorf("writing %s: %w", name, err)
	}
	if _, err := unix.IoctlGetWinsize(2, unix.TIOCGWINSZ); err == nil {
		// Someone is watching, and sees nothing of the command.
		fmt.Fprintf(os.Stderr, "record: recording %s on a %d×%d terminal into %s; Ctrl-C stops it\n", command, o.rows, o.cols, name)
	}
	if err := l.Run(); err != nil {
		return exitFailed, err
	}
	end := time.Now()
	if res == nil {
		return exitFailed, errors.New("the loop stopped before the command was done")
	}
	if c.err == nil && file != nil {
		c.err = file.Close()
	}
	if c.err != nil {
		return exitFailed, fmt.Errorf("writing %s: %w", name, c.err)
	}
	st := res.Status
	events := "events"
	if c.events == 1 {
		events = "event"
	}
	s := fmt.Sprintf("record: %d bytes, %d %s, %v, %v, written to %s", c.bytes, c.events, events, human.Duration(end.Sub(start)), st, name)
	if res.Cut {
		s += fmt.Sprintf(" (cut: the terminal was still open %v after the exit)", childproc.DefaultDrainTimeout)
	}
	fmt.Fprintln(os.Stderr, s)
	switch {
	case st.Err != nil:
		return exitFailed, nil
	case st.Signal != 0:
		return 128 + int(st.Signal), nil
	}
	return st.Code, nil
}

// spawnFailed returns the exit status and the error for a command that
// did not start.
func spawnFailed(err error) (int, error) {
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		return exitFailed, fmt.Errorf("pseudo-terminals (childproc.Terminal) are not supported here: %w", err)
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, fs.ErrNotExist):
		return exitNotFound, err
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.ENOEXEC):
		return exitCannotRun, err
	}
	return exitFailed, err
}

// envHeader is the header's env: TERM, and SHELL when set.
func envHeader(term, shell string) map[string]string {
	env := map[string]string{"TERM": term}
	if shell != "" {
		env["SHELL"] = shell
	}
	return env
}

// plainWord matches an argument sh takes as it is.
var plainWord = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// shellJoin writes args as a sh command line, quoting what needs it, for
// the header's command.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if plainWord.MatchString(a) {
			q[i] = a
		} else {
			q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(q, " ")
}
