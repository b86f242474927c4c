package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/childloop/childloop/examples/internal/extest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDirectArgs(t *testing.T) {
	for line, want := range map[string][]string{
		"/bin/true 17":             {"/bin/true", "17"},
		"  gzip -9\tdata/part.17 ": {"gzip", "-9", "data/part.17"},
		"make -C lib all,x+y@z%^:": {"make", "-C", "lib", "all,x+y@z%^:"},
		"echo hi":                  nil, // builtin
		"cd /tmp":                  nil,
		"exit 3":                   nil,
		"true":                     nil,
		"if":                       nil,
		"source x":                 nil, // bash's
		"a=b cmd":                  nil, // assignment
		"ls *.go":                  nil, // glob
		"ls ~":                     nil, // tilde
		"cat $HOME/x":              nil,
		"sleep 1; date":            nil,
		"a | b":                    nil,
		"a && b":                   nil,
		"a > out":                  nil,
		"printf 'x'":               nil,
		`echo "x"`:                 nil,
		`a\ b`:                     nil,
		"(sleep 1)":                nil,
		"cmd # comment":            nil,
		"cmd {a,b}":                nil,
		"cmd été":                  nil, // non-ASCII: left to sh
		"":                         nil,
	} {
		assert.Equal(t, want, directArgs(line), "%q", line)
	}
}

// TestParallelDirectFallsBackToSh: plain commands that exec refuses or PATH
// does not resolve end as they would under sh: a script without #! runs,
// a missing or non-executable program gives sh's message and status.
func TestParallelDirectFallsBackToSh(t *testing.T) {
	bin := extest.Build(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "script")
	require.NoError(t, os.WriteFile(script, []byte("echo from script $1\n"), 0o755))
	plain := filepath.Join(dir, "plain")
	require.NoError(t, os.WriteFile(plain, []byte("echo no\n"), 0o644))
	for _, sh := range []bool{false, true} {
		args := []string{"-j", "1"}
		if sh {
			args = append(args, "-sh")
		}
		p := extest.StartStdin(t, bin, args...)
		_, err := p.Stdin.Write([]byte(strings.Join([]string{script + " arg", "no-such-command-here", plain, "sleep 0"}, "\n")))
		require.NoError(t, err)
		require.NoError(t, p.Stdin.Close())
		assert.Equal(t, 1, exitCode(t, p.Wait(t)), "-sh %v", sh)
		bs := blocks(t, p.Lines())
		require.Len(t, bs, 4, "-sh %v", sh)
		assert.Equal(t, "ok", bs[1].status)
		assert.Equal(t, []string{"from script arg"}, bs[1].lines)
		assert.Equal(t, "exit 127", bs[2].status)
		if assert.Len(t, bs[2].lines, 1) {
			assert.Contains(t, bs[2].lines[0], "not found")
		}
		assert.Equal(t, "exit 126", bs[3].status)
		if assert.Len(t, bs[3].lines, 1) {
			assert.Contains(t, bs[3].lines[0], "ermission denied")
		}
		assert.Equal(t, "ok", bs[4].status)
	}
}
