// Package extest builds and runs the example programs from their tests: it
// compiles the example in the test's working directory into t.TempDir(),
// starts it with its output captured line by line, and makes sure that no
// process it started outlives the test.
package extest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// HangGuard bounds every wait. It is not a speed assertion: it only turns a
// lost event into a test failure instead of a hung test binary.
const HangGuard = 60 * time.Second

// Build compiles the main package in the current directory (the test's
// package directory) and returns the binary's path.
func Build(t testing.TB) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		if gr := os.Getenv("GOROOT"); gr != "" {
			goTool = filepath.Join(gr, "bin", "go")
		} else {
			require.NoError(t, err, "go tool not found")
		}
	}
	bin := filepath.Join(t.TempDir(), "example")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build:\n%s", out)
	return bin
}

// Proc is a running example.
type Proc struct {
	Cmd   *exec.Cmd
	Stdin io.WriteCloser // nil unless StartStdin was used

	mu    sync.Mutex
	lines []string      // stdout lines so far; guarded by mu
	more  chan struct{} // closed and replaced when a line arrives; guarded by mu
	eof   bool          // stdout reached EOF; guarded by mu
	done  chan struct{} // closed once Wait returned
	err   error         // Wait's result, valid after done
	errb  bytes.Buffer  // stderr
}

// Start runs bin with args; stdin is /dev/null.
func Start(t testing.TB, bin string, args ...string) *Proc { return start(t, false, bin, args) }

// StartStdin runs bin with args and a pipe on its stdin (Proc.Stdin).
func StartStdin(t testing.TB, bin string, args ...string) *Proc { return start(t, true, bin, args) }

func start(t testing.TB, withStdin bool, bin string, args []string) *Proc {
	t.Helper()
	p := &Proc{Cmd: exec.Command(bin, args...), more: make(chan struct{}), done: make(chan struct{})}
	// Its own process group, so that the cleanup can kill whatever the
	// example left behind (children, grandchildren) in one call.
	p.Cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p.Cmd.Stderr = &p.errb
	if withStdin {
		w, err := p.Cmd.StdinPipe()
		require.NoError(t, err)
		p.Stdin = w
	}
	out, err := p.Cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, p.Cmd.Start())
	var reader sync.WaitGroup
	reader.Add(1)
	go func() {
		defer reader.Done()
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.add(sc.Text(), false)
		}
		p.add("", true)
	}()
	go func() {
		reader.Wait() // StdoutPipe: read everything before Wait
		p.err = p.Cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = syscall.Kill(-p.Cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		if t.Failed() {
			t.Logf("stdout of %s:\n%s\nstderr:\n%s", filepath.Base(bin), strings.Join(p.Lines(), "\n"), p.Stderr())
		}
	})
	return p
}

func (p *Proc) add(line string, eof bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if eof {
		p.eof = true
	} else {
		p.lines = append(p.lines, line)
	}
	close(p.more)
	p.more = make(chan struct{})
}

// Lines returns the stdout lines read so far.
func (p *Proc) Lines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

// Stderr returns what the program wrote to stderr so far (complete once it
// has exited).
func (p *Proc) Stderr() string {
	select {
	case <-p.done:
		return p.errb.String()
	default:
		return "(still running)"
	}
}

// WaitLine waits for a stdout line matching re, searching from line index
// from, and returns the submatches and the index of the line after it.
func (p *Proc) WaitLine(t testing.TB, from int, re *regexp.Regexp) ([]string, int) {
	t.Helper()
	deadline := time.After(HangGuard)
	for {
		p.mu.Lock()
		for i := from; i < len(p.lines); i++ {
			if m := re.FindStringSubmatch(p.lines[i]); m != nil {
				p.mu.Unlock()
				return m, i + 1
			}
		}
		from = len(p.lines)
		eof, more := p.eof, p.more
		p.mu.Unlock()
		require.False(t, eof, "program ended without printing a line matching %q", re)
		select {
		case <-more:
		case <-deadline:
			require.FailNow(t, fmt.Sprintf("no line matching %q within %v", re, HangGuard))
		}
	}
}

// Wait waits for the program to exit and returns its exit error (nil for
// exit 0).
func (p *Proc) Wait(t testing.TB) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(HangGuard):
		require.FailNow(t, fmt.Sprintf("program did not exit within %v", HangGuard))
		return nil
	}
}

// Signal sends sig to the program (not to its process group).
func (p *Proc) Signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	require.NoError(t, p.Cmd.Process.Signal(sig))
}

// CheckHelp runs bin -h and checks that it exits 0 and prints its usage:
// a "usage:" (or flag's "Usage of") line, then a paragraph saying what
// the program does. It returns what was printed (flag prints to stderr).
func CheckHelp(t testing.TB, bin string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), HangGuard)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-h").CombinedOutput()
	require.NoError(t, err, "%s -h: want exit 0; output:\n%s", filepath.Base(bin), out)
	s := string(out)
	require.Regexp(t, `^(usage: |Usage of )`, s, "%s -h: the first line", filepath.Base(bin))
	paras := strings.Split(strings.TrimSpace(s), "\n\n")
	require.GreaterOrEqual(t, len(paras), 2, "%s -h: a usage line and a description:\n%s", filepath.Base(bin), s)
	require.GreaterOrEqual(t, len(paras[1]), 80, "%s -h: a description of a few lines:\n%s", filepath.Base(bin), s)
	return s
}

// Curl sends input to the server p runs with curl's telnet:// scheme, at
// the address p printed on the line its hint matches (a line starting
// "NAME: try: echo 3 | curl -s telnet://ADDR"), and returns the answer.
// It skips t where curl is not installed.
func (p *Proc) Curl(t testing.TB, name, input string) string {
	t.Helper()
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("no curl")
	}
	m, _ := p.WaitLine(t, 0, regexp.MustCompile(`^`+regexp.QuoteMeta(name)+`: try: echo 3 \| curl -s (telnet://\S+) `))
	ctx, cancel := context.WithTimeout(context.Background(), HangGuard)
	defer cancel()
	cmd := exec.CommandContext(ctx, curl, "-s", m[1])
	cmd.Stdin = strings.NewReader(input)
	out, err := cmd.Output()
	if err != nil {
		t.Errorf("curl: %v", err)
	}
	return string(out)
}

// Ask sends one request line to a line server at addr and returns its
// whole answer, read until it closes the connection.
func Ask(addr, line string) (string, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(HangGuard))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return "", err
	}
	b, err := io.ReadAll(bufio.NewReader(c))
	return string(b), err
}
