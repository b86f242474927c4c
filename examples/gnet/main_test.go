//go:build linux

package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/examples/internal/extest"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func start(t *testing.T, bin string, args ...string) (p *extest.Proc, addr string) {
	p = extest.Start(t, bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	m, _ := p.WaitLine(t, 0, regexp.MustCompile(`^gnet: listening on ([^;\s]+) with \d+ event loops;`))
	p.WaitLine(t, 0, regexp.MustCompile(`^gnet: try: echo 3 \| curl -s telnet://`+regexp.QuoteMeta(m[1])+` `))
	return p, m[1]
}

func stop(t *testing.T, p *extest.Proc) {
	p.Signal(t, syscall.SIGTERM)
	assert.NoError(t, p.Wait(t), "gnet after SIGTERM")
	p.WaitLine(t, 0, regexp.MustCompile(`^gnet: server stopped$`))
}

// logLine matches the server's line for one request: loop, client, words,
// status, time.
func logLine(words, status string) *regexp.Regexp {
	return regexp.MustCompile(`^gnet: loop (\d+): 127\.0\.0\.1:\d+ ` + regexp.QuoteMeta(strconv.Quote(words)) +
		`: ` + status + ` after (\S+)( \(the client had gone\))?$`)
}

// TestGnetManyClients: 100 clients at once over two loops, each answer
// checked; the log shows both loops' parents at work.
func TestGnetManyClients(t *testing.T) {
	p, addr := start(t, extest.Build(t), "-loops", "2", "-timeout", "60s",
		"-cmd", `echo "out $1"; echo "err $1" >&2; exit $(($1 % 256))`)
	pid := p.Cmd.Process.Pid

	// The server's threads while the clients run: the loops and the
	// netpoll hooks are goroutines, so this stays near GOMAXPROCS.
	var maxThreads atomic.Int64
	sampling, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if st, err := testutil.ReadProcStat(pid); err == nil && int64(st.NumThreads) > maxThreads.Load() {
				maxThreads.Store(int64(st.NumThreads))
			}
			select {
			case <-sampling:
				return
			case <-time.After(2 * time.Millisecond): // polling /proc, not synchronisation
			}
		}
	}()

	const clients = 100
	times := make([]time.Duration, clients)
	var wg sync.WaitGroup
	burst := time.Now()
	for n := range clients {
		wg.Go(func() {
			// 200..299: exits 200..255, then 0..43.
			word := strconv.Itoa(200 + n)
			begin := time.Now()
			got, err := extest.Ask(addr, word)
			times[n] = time.Since(begin)
			assert.NoError(t, err, "request %s", word)
			assert.Equal(t, fmt.Sprintf("out %s\nerr %s\n-- exit %d\n", word, word, (200+n)%256), got, "request %s", word)
		})
	}
	wg.Wait()
	took := time.Since(burst)
	close(sampling)
	<-sampled
	slices.Sort(times)
	t.Logf("%d concurrent clients in %v: median answer %v, slowest %v; server threads at most %d",
		clients, took.Round(time.Millisecond), times[clients/2].Round(time.Microsecond),
		times[clients-1].Round(time.Microsecond), maxThreads.Load())

	// One log line per request; RoundRobin spreads them over both loops.
	loops := map[string]int{}
	from := 0
	for range clients {
		var m []string
		m, from = p.WaitLine(t, from, regexp.MustCompile(`^gnet: loop (\d+): 127\.0\.0\.1:\d+ "(\d+)": exit (\d+) after (\S+)$`))
		n, _ := strconv.Atoi(m[2])
		assert.Equal(t, strconv.Itoa(n%256), m[3], "the logged status of %s", m[2])
		_, err := time.ParseDuration(m[4])
		assert.NoError(t, err, "the time in the log line")
		loops[m[1]]++
	}
	assert.Len(t, loops, 2, "requests per loop: %v", loops)
	stop(t, p)
}

// TestGnetDeadline: a child still running at -timeout is stopped (SIGTERM
// to its group), or killed -grace later if it ignores SIGTERM.
func TestGnetDeadline(t *testing.T) {
	const timeout, grace = 300 * time.Millisecond, 400 * time.Millisecond
	p, addr := start(t, extest.Build(t), "-timeout", timeout.String(), "-grace", grace.String(),
		"-cmd", `case $1 in
			stubborn) trap '' TERM; echo ignoring SIGTERM; sleep 60 ;;
			*) echo "args: $*"; sleep "${2:-0}"; exit "${1:-0}" ;;
		esac`)
	for _, c := range []struct {
		line, want string
		after      time.Duration
	}{
		{"0 60", "args: 0 60\n-- signal terminated (deadline exceeded)\n", timeout},
		{"stubborn", "ignoring SIGTERM\n-- signal killed (deadline exceeded, SIGKILL after the grace)\n", timeout + grace},
	} {
		begin := time.Now()
		got, err := extest.Ask(addr, c.line)
		took := time.Since(begin)
		assert.NoError(t, err, c.line)
		assert.Equal(t, c.want, got, c.line)
		assert.GreaterOrEqual(t, took, c.after, "%q: answer before the deadline", c.line)
		// Not a speed test: only that the stop came from the deadline,
		// not from the 60 s sleep ending.
		assert.Less(t, took, c.after+5*time.Second, "%q: answer long after the deadline", c.line)
		t.Logf("%q: answered after %v (deadline %v)", c.line, took.Round(time.Millisecond), c.after)
	}
	got, err := extest.Ask(addr, "3")
	assert.NoError(t, err)
	assert.Equal(t, "args: 3\n-- exit 3\n", got)
	stop(t, p)
	p.WaitLine(t, 0, logLine("0 60", `signal terminated \(deadline exceeded\)`))
	p.WaitLine(t, 0, logLine("stubborn", `signal killed \(deadline exceeded, SIGKILL after the grace\)`))
	p.WaitLine(t, 0, logLine("3", `exit 3`))
}

// TestGnetHangUp: a client that hangs up before its answer has its child's
// process group killed, and the server goes on serving.
func TestGnetHangUp(t *testing.T) {
	p, addr := start(t, extest.Build(t), "-timeout", "60s",
		"-cmd", `case $1 in
			wait) echo $$ > "$2.tmp"; mv "$2.tmp" "$2"; sleep 60 ;;
			*) echo "args: $*"; exit "$1" ;;
		esac`)
	started := filepath.Join(t.TempDir(), "pid")
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	_, err = io.WriteString(c, "wait "+started+"\n")
	require.NoError(t, err)

	// The script writes its pid, which leads its process group, once
	// running (rename: the file appears whole).
	var pgid int
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(started)
		if err == nil {
			pgid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		return err == nil
	}, extest.HangGuard, 5*time.Millisecond, "the child never started")
	hungUp := time.Now()
	require.NoError(t, c.Close())

	m, _ := p.WaitLine(t, 0, logLine("wait "+started, `signal killed \(the client hung up\)`))
	assert.NotEmpty(t, m[3], "the log says the client had gone")
	assert.Less(t, time.Since(hungUp), 10*time.Second, "the child outlived its client")
	// Neither sh nor its sleep is left running (zombies, waiting for
	// whoever reaps orphans here, do not count).
	assert.Eventually(t, func() bool {
		procs, err := testutil.Procs()
		return err == nil && !slices.ContainsFunc(procs, func(s testutil.ProcStat) bool { return s.Pgrp == pgid && s.Alive() })
	}, extest.HangGuard, 10*time.Millisecond, "processes left in the child's group %d", pgid)

	got, err := extest.Ask(addr, "3")
	assert.NoError(t, err)
	assert.Equal(t, "args: 3\n-- exit 3\n", got, "the server after the hang-up")
	stop(t, p)
}

// TestGnetOutputBounds: output beyond -max-output is counted and dropped,
// an answer larger than the socket takes at once arrives whole before the
// close, a last line without a newline gets one, and an endless request
// line is refused.
func TestGnetOutputBounds(t *testing.T) {
	p, addr := start(t, extest.Build(t), "-max-output", "4MiB",
		"-cmd", `case $1 in
			big) head -c 5000000 /dev/zero | tr '\0' x ;;
			partial) printf 'no newline'; exit 2 ;;
		esac`)
	for line, want := range map[string]string{
		"big":                     strings.Repeat("x", 4<<20) + "\n-- output truncated: the first 4194304 of 5000000 bytes shown\n-- exit 0\n",
		"partial":                 "no newline\n-- exit 2\n",
		strings.Repeat("y", 2000): "-- error: request too long\n",
	} {
		got, err := extest.Ask(addr, line)
		assert.NoError(t, err, line[:min(len(line), 10)])
		if !assert.Equal(t, len(want), len(got), line[:min(len(line), 10)]) {
			continue
		}
		assert.True(t, got == want, "%.10s: the answer differs", line)
	}
	stop(t, p)
}

// TestGnetCurl sends a request as the program's first lines suggest, with
// curl's telnet:// scheme, when curl is installed.
func TestGnetCurl(t *testing.T) {
	p := extest.Start(t, extest.Build(t), "-addr", "127.0.0.1:0")
	assert.Equal(t, "args: 3\nexiting with 3\n-- exit 3\n", p.Curl(t, "gnet", "3\n"))
	stop(t, p)
}

func TestGnetHelp(t *testing.T) {
	extest.CheckHelp(t, extest.Build(t))
}
