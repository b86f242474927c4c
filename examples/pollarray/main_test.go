package main

import (
	"regexp"
	"testing"

	"github.com/childloop/childloop/examples/internal/extest"
	"github.com/stretchr/testify/require"
)

func TestPollarray(t *testing.T) {
	bin := extest.Build(t)
	p := extest.StartStdin(t, bin)
	// Commands arrive while others still run: the first line is read and
	// spawned before the second is written.
	_, err := p.Stdin.Write([]byte("sleep 0.2; echo slept\n"))
	require.NoError(t, err)
	p.WaitLine(t, 0, regexp.MustCompile(`^"sleep 0.2; echo slept" started`))
	_, err = p.Stdin.Write([]byte("exit 3\n\nkill -KILL $$\nno-such-command-xyz\nexit 4"))
	require.NoError(t, err)
	p.Stdin.Close()
	require.NoError(t, p.Wait(t), "pollarray")
	for _, want := range []string{
		`^slept$`,
		`^"sleep 0.2; echo slept" \(pid \d+\): exit 0$`,
		`^"exit 3" \(pid \d+\): exit 3$`,
		`^"kill -KILL \$\$" \(pid \d+\): signal killed$`,
		`^"no-such-command-xyz" \(pid \d+\): exit 127$`,
		`^"exit 4" \(pid \d+\): exit 4$`,
	} {
		p.WaitLine(t, 0, regexp.MustCompile(want))
	}
}
