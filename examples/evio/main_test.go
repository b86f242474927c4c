//go:build linux

package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/examples/internal/extest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func start(t *testing.T, bin string, args ...string) (p *extest.Proc, addr, relay string) {
	p = extest.Start(t, bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	m, _ := p.WaitLine(t, 0, regexp.MustCompile(`^evio: listening on ([^;\s]+);`))
	p.WaitLine(t, 0, regexp.MustCompile(`^evio: try: echo 3 \| curl -s telnet://`+regexp.QuoteMeta(m[1])+` `))
	r, _ := p.WaitLine(t, 0, regexp.MustCompile(`^evio: SIGCHLD and the children's output come in through (@\S+)$`))
	return p, m[1], r[1]
}

func stop(t *testing.T, p *extest.Proc) {
	p.Signal(t, syscall.SIGTERM)
	assert.NoError(t, p.Wait(t), "evio after SIGTERM")
	p.WaitLine(t, 0, regexp.MustCompile(`^evio: server stopped$`))
}

// The reason for this example's output sockets: the library's pipes need
// fd hooks, and a parent without any refuses them at Spawn.
func TestLibraryPipesNeedHooks(t *testing.T) {
	parent, err := childproc.New(nil, childproc.Config{Mode: childproc.ModeApp})
	require.NoError(t, err)
	defer parent.Close()
	_, err = parent.Spawn(&childproc.Cmd{
		Args:   []string{"echo", "hi"},
		Stdout: &childproc.Output{Limit: 1024},
		OnDone: func(*childproc.Child, *childproc.Result) {},
	})
	assert.ErrorIs(t, err, errors.ErrUnsupported, "library pipes without hooks")
	assert.Zero(t, parent.Len(), "no child left behind")
}

func TestEvioManyClients(t *testing.T) {
	bin := extest.Build(t)
	// Each child writes three lines to stdout and three to stderr,
	// alternately: one socket takes both, so the answer has them in order.
	p, addr, relay := start(t, bin, "-timeout", "60s",
		"-cmd", `for i in 1 2 3; do echo "$1 out $i"; echo "$1 err $i" >&2; done; sleep "$2"; exit "$1"`)

	// Impostors on the abstract socket: one sending a wrong token, one
	// sending nothing. Both are closed (the first at once, the silent one
	// by Tick after two seconds without a header).
	for _, send := range []string{strings.Repeat("x", 40), ""} {
		c, err := net.Dial("unix", relay)
		require.NoError(t, err)
		_ = c.SetDeadline(time.Now().Add(extest.HangGuard))
		// The server may close before our write: EPIPE/ECONNRESET then
		// prove the same as EOF.
		_, err = io.WriteString(c, send)
		if err == nil {
			_, err = c.Read(make([]byte, 1))
		}
		assert.True(t, err == io.EOF || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET),
			"impostor %q: %v; want the connection closed", send, err)
		c.Close()
	}

	const clients = 50
	var wg sync.WaitGroup
	for n := range clients {
		wg.Go(func() {
			// Some children sleep a little, so that exits overlap and
			// SIGCHLDs coalesce.
			line := fmt.Sprintf("%d 0.%d", n, n%3)
			got, err := extest.Ask(addr, line)
			assert.NoError(t, err, "request %q", line)
			var want strings.Builder
			for i := 1; i <= 3; i++ {
				fmt.Fprintf(&want, "%d out %d\n%d err %d\n", n, i, n, i)
			}
			fmt.Fprintf(&want, "-- exit %d\n", n)
			assert.Equal(t, want.String(), got, "request %q", line)
		})
	}
	wg.Wait()

	// The server still works after the impostors.
	got, err := extest.Ask(addr, "7 0")
	assert.NoError(t, err)
	assert.Equal(t, "7 out 1\n7 err 1\n7 out 2\n7 err 2\n7 out 3\n7 err 3\n-- exit 7\n", got)
	stop(t, p)
}

func TestEvioDeadline(t *testing.T) {
	bin := extest.Build(t)
	p, addr, _ := start(t, bin, "-timeout", "200ms") // the default script
	begin := time.Now()
	got, err := extest.Ask(addr, "0 60") // sleeps 60 s: killed at its deadline
	assert.NoError(t, err)
	assert.Equal(t, "args: 0 60\n-- signal killed (deadline exceeded)\n", got,
		"the output so far, and the child killed at its deadline")
	assert.GreaterOrEqual(t, time.Since(begin), 200*time.Millisecond, "answer before the 200ms deadline")
	got, err = extest.Ask(addr, "3")
	assert.NoError(t, err)
	assert.Equal(t, "args: 3\nexiting with 3\n-- exit 3\n", got)
	stop(t, p)
	// One log line per request: client, words, status, time.
	for _, want := range []string{
		`^evio: 127\.0\.0\.1:\d+ "0 60": signal killed \(deadline exceeded\) after (\S+)$`,
		`^evio: 127\.0\.0\.1:\d+ "3": exit 3 after (\S+)$`,
	} {
		m, _ := p.WaitLine(t, 0, regexp.MustCompile(want))
		_, err := time.ParseDuration(m[1])
		assert.NoError(t, err, "the time in the log line")
	}
}

// TestEvioCurl sends a request as the program's first lines suggest, with
// curl's telnet:// scheme, when curl is installed.
func TestEvioCurl(t *testing.T) {
	p := extest.Start(t, extest.Build(t), "-addr", "127.0.0.1:0")
	assert.Equal(t, "args: 3\nexiting with 3\n-- exit 3\n", p.Curl(t, "evio", "3\n"))
	stop(t, p)
}

func TestEvioHelp(t *testing.T) {
	extest.CheckHelp(t, extest.Build(t))
}

// TestEvioOutputBounds: output beyond -max-output is counted and dropped,
// output still open -drain after the exit is cut, and a last line without
// a newline gets one.
func TestEvioOutputBounds(t *testing.T) {
	bin := extest.Build(t)
	p, addr, _ := start(t, bin, "-max-output", "1000", "-drain", "300ms",
		"-cmd", `case $1 in
			big) head -c 300000 /dev/zero | tr '\0' x ;;
			bg) echo early; (sleep 1; echo late) & ;;
			partial) printf 'no newline'; exit 2 ;;
		esac`)
	for line, want := range map[string]string{
		"big":     strings.Repeat("x", 1000) + "\n-- output truncated: the first 1000 of 300000 bytes shown\n-- exit 0\n",
		"bg":      "early\n-- output cut: still open 300ms after the exit\n-- exit 0\n",
		"partial": "no newline\n-- exit 2\n",
	} {
		got, err := extest.Ask(addr, line)
		assert.NoError(t, err, line)
		assert.Equal(t, want, got, line)
	}
	stop(t, p)
}
