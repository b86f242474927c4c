package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/childloop/childloop/examples/internal/extest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// record runs the recorder with args into a file and returns the parsed
// recording, the exit status and stderr.
func record(t *testing.T, bin string, args ...string) (map[string]any, []event, int, string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "out.cast")
	p := extest.Start(t, bin, append([]string{"-o", file}, args...)...)
	code := exitCode(t, p.Wait(t))
	assert.Empty(t, p.Lines(), "nothing on stdout with -o")
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	h, evs := parseCast(t, b)
	return h, evs, code, p.Stderr()
}

// TestRecordFile records colours, a pause, a two-byte character written
// in two halves, the terminal's name and size, and parses the file: the
// header's fields, events whose data joined is the terminal's output
// ("\r\n" line ends), the exit status passed on, the summary.
func TestRecordFile(t *testing.T) {
	bin := extest.Build(t)
	// é (\303\251) in two writes a pause apart: two reads of the
	// terminal, the first ending inside the character.
	script := `printf "\033[31mred\033[0m\n"; sleep 0.1; printf "\303"; sleep 0.1; printf "\251\n"; tty; stty size; exit 3`
	h, evs, code, stderr := record(t, bin, "-rows", "30", "-cols", "100", "-title", "a <demo>", "--", "sh", "-c", script)
	assert.Equal(t, 3, code, "the command's exit status")

	assert.Equal(t, 2.0, h["version"])
	assert.Equal(t, 100.0, h["width"])
	assert.Equal(t, 30.0, h["height"])
	assert.Greater(t, h["timestamp"], 1.6e9, "Unix seconds")
	assert.Equal(t, "a <demo>", h["title"])
	assert.Equal(t, "sh -c '"+script+"'", h["command"])
	env, ok := h["env"].(map[string]any)
	if assert.True(t, ok, "env: %v", h["env"]) {
		assert.NotEmpty(t, env["TERM"])
	}

	out := concat(evs)
	assert.Regexp(t, `^\x1b\[31mred\x1b\[0m\r\né\r\n/dev/pts/[0-9]+\r\n30 100\r\n$`, out)
	assert.GreaterOrEqual(t, len(evs), 2, "the sleeps part the output")
	for _, e := range evs {
		assert.NotContains(t, e.data, "\uFFFD", "no half of é was written alone")
	}
	assert.Regexp(t, regexp.MustCompile(`^record: `+
		`[0-9]+ bytes, [0-9]+ events?, [0-9.]+m?s, exit 3, written to .*out\.cast\n$`), stderr)
	assert.Contains(t, stderr, " "+strconv.Itoa(len(out))+" bytes, "+strconv.Itoa(len(evs))+" events")
}

// TestRecordInput: -input is typed at the terminal as the command starts
// (echoed by the terminal, then copied by cat, which ends at the Ctrl-D);
// the default size is 24×80 without a terminal around the recorder, and a
// command without TERM gets one, named in the header, which has no SHELL
// when there is none.
func TestRecordInput(t *testing.T) {
	bin := extest.Build(t)
	h, evs, code, _ := record(t, bin, "-input", "hello\n\x04", "sh", "-c", `cat; stty size; echo "$TERM"`)
	assert.Equal(t, 0, code)
	assert.Equal(t, "hello\r\nhello\r\n24 80\r\n"+h["env"].(map[string]any)["TERM"].(string)+"\r\n", concat(evs))
	assert.Equal(t, 80.0, h["width"])
	assert.Equal(t, 24.0, h["height"])

	p := extest.Start(t, "env", "-u", "TERM", "-u", "SHELL", bin, "-o", "-", "sh", "-c", `echo "$TERM"`)
	require.NoError(t, p.Wait(t))
	h, evs = parseCast(t, []byte(strings.Join(p.Lines(), "\n")))
	assert.Equal(t, "xterm-256color\r\n", concat(evs), "the recording on stdout (-o -)")
	assert.Equal(t, map[string]any{"TERM": "xterm-256color"}, h["env"].(map[string]any), "env: TERM, and no SHELL")
}

// TestRecordStatus: a command killed by signal N makes the recorder exit
// 128+N; one not found exits 127 and leaves no file.
func TestRecordStatus(t *testing.T) {
	bin := extest.Build(t)
	_, evs, code, stderr := record(t, bin, "sh", "-c", "echo bye; kill -TERM $$")
	assert.Equal(t, 128+15, code)
	assert.Equal(t, "bye\r\n", concat(evs))
	assert.Contains(t, stderr, ", signal terminated, written to ")

	file := filepath.Join(t.TempDir(), "out.cast")
	p := extest.Start(t, bin, "-o", file, "no-such-command-here")
	assert.Equal(t, 127, exitCode(t, p.Wait(t)))
	assert.Contains(t, p.Stderr(), "no-such-command-here")
	assert.NoFileExists(t, file)
}
