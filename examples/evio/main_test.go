//go:build linux

package main

import (
	"bufio"
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

	"github.com/childloop/childloop/examples/internal/extest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ask sends one request line and returns the server's whole answer.
func ask(addr, line string) (string, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(extest.HangGuard))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return "", err
	}
	b, err := io.ReadAll(bufio.NewReader(c))
	return string(b), err
}

func start(t *testing.T, bin string, args ...string) (p *extest.Proc, addr, relay string) {
	p = extest.Start(t, bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	m, _ := p.WaitLine(t, 0, regexp.MustCompile(`^listening on (\S+)$`))
	r, _ := p.WaitLine(t, 0, regexp.MustCompile(`^relay socket (@\S+)$`))
	return p, m[1], r[1]
}

func stop(t *testing.T, p *extest.Proc) {
	p.Signal(t, syscall.SIGTERM)
	assert.NoError(t, p.Wait(t), "evio after SIGTERM")
	p.WaitLine(t, 0, regexp.MustCompile(`^server stopped$`))
}

func TestEvioManyClients(t *testing.T) {
	bin := extest.Build(t)
	p, addr, relay := start(t, bin, "-timeout", "60s")

	// Impostors on the abstract socket: one sending a wrong token, one
	// sending nothing. Both are closed (the relay has authenticated, so
	// every further connection is refused; before that, a silent one
	// would be closed by Tick after two seconds).
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
			got, err := ask(addr, line)
			assert.NoError(t, err, "request %q", line)
			assert.Equal(t, fmt.Sprintf("exit %d\n", n), got, "request %q", line)
		})
	}
	wg.Wait()

	// The server still works after the impostors.
	got, err := ask(addr, "7")
	assert.NoError(t, err)
	assert.Equal(t, "exit 7\n", got)
	stop(t, p)
}

func TestEvioDeadline(t *testing.T) {
	bin := extest.Build(t)
	p, addr, _ := start(t, bin, "-timeout", "200ms")
	begin := time.Now()
	got, err := ask(addr, "0 60") // sleeps 60 s: killed at its deadline
	assert.NoError(t, err)
	assert.Equal(t, "signal killed (deadline exceeded)\n", got, "the child killed at its deadline")
	assert.GreaterOrEqual(t, time.Since(begin), 200*time.Millisecond, "answer before the 200ms deadline")
	stop(t, p)
}
