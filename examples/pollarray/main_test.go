package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/childloop/childloop/examples/internal/extest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// byCommand groups the output lines by their "[n] " tag, in order.
func byCommand(lines []string) map[string][]string {
	tagRe := regexp.MustCompile(`^(\[\d+\]) (.*)$`)
	m := map[string][]string{}
	for _, l := range lines {
		if sm := tagRe.FindStringSubmatch(l); sm != nil {
			m[sm[1]] = append(m[sm[1]], sm[2])
		}
	}
	return m
}

func TestPollarray(t *testing.T) {
	bin := extest.Build(t)
	flag := filepath.Join(t.TempDir(), "go-on")
	p := extest.StartStdin(t, bin)

	// Output is printed as it comes, through the loop: the first command
	// prints a line and then waits until the test has seen that line.
	first := `echo first; while [ ! -e ` + flag + ` ]; do sleep 0.02; done; echo second >&2`
	_, err := p.Stdin.Write([]byte(first + "\n"))
	require.NoError(t, err)
	p.WaitLine(t, 0, regexp.MustCompile(`^\[1\] out\| first$`))
	require.NoError(t, os.WriteFile(flag, nil, 0o600))

	// Commands arrive while the first still runs.
	_, err = p.Stdin.Write([]byte(strings.Join([]string{
		"exit 3",
		"",
		"echo dying >&2; kill -KILL $$",
		"no-such-command-xyz",
		`printf 'a\nb'`,            // a last line without a newline
		"yes line | head -n 20000", // many pipe reads
		"(sleep 2 &); echo bg",     // the background sleep holds the pipe
		"exit 4",                   // no newline at the end of stdin
	}, "\n")))
	require.NoError(t, err)
	p.Stdin.Close()
	require.NoError(t, p.Wait(t), "pollarray")

	cmds := byCommand(p.Lines())
	started := regexp.MustCompile(`^\$ .*   \(pid \d+\)$`)
	ranRe := regexp.MustCompile(`^(.*?) after (\S+)( \(.*)?$`)
	many := make([]string, 20000)
	for i := range many {
		many[i] = "out| line"
	}
	for tag, want := range map[string][]string{
		"[1]": {"out| first", "err| second", "exit 0"},
		"[2]": {"exit 3"},
		"[3]": {"err| dying", "signal killed"},
		"[4]": {"err| sh: 1: no-such-command-xyz: not found", "exit 127"},
		"[5]": {"out| a", "out| b", "exit 0"},
		"[6]": append(many, "exit 0"),
		"[7]": {"out| bg", "exit 0 (output cut: a pipe was still open 1s after the exit)"},
		"[8]": {"exit 4"},
	} {
		got := cmds[tag]
		if assert.NotEmpty(t, got, tag) {
			assert.Regexp(t, started, got[0], "%s: the first line", tag)
			got = got[1:]
		}
		if n := len(got); n > 0 {
			// The status line says how long the command ran: take
			// that out.
			sm := ranRe.FindStringSubmatch(got[n-1])
			if assert.NotNil(t, sm, "%s: the status line %q", tag, got[n-1]) {
				_, err := time.ParseDuration(sm[2])
				assert.NoError(t, err, "%s: the time in %q", tag, got[n-1])
				got[n-1] = sm[1] + sm[3]
			}
		}
		if tag == "[4]" && len(got) == 2 {
			// The shell's wording varies: dash says "sh: 1: X: not
			// found", bash "sh: line 1: X: command not found".
			assert.Regexp(t, `^err\| sh: .*no-such-command-xyz: .*not found$`, got[0])
			got[0] = want[0]
		}
		assert.Equal(t, want, got, "%s: its lines in order, the status last", tag)
	}
	assert.Len(t, cmds, 8, "eight commands (the empty line is skipped)")
}

func TestPollarrayHelp(t *testing.T) {
	extest.CheckHelp(t, extest.Build(t))
}
