package child

import (
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Both forms of the interactive child write back the line they read and
// exit 0.
func TestEchoLine(t *testing.T) {
	prog, desc, err := WriteEchoLine(t.TempDir())
	require.NoError(t, err)
	t.Log(prog, desc)
	progs := []struct {
		path string
		args []string
	}{{prog.Path, prog.Args}, {echoLineShell.Path, echoLineShell.Args}}
	if runtime.GOARCH != "amd64" {
		progs = progs[:1]
	}
	for _, p := range progs {
		cmd := &exec.Cmd{Path: p.path, Args: p.args, Env: []string{}, Stdin: strings.NewReader("hello\n")}
		out, err := cmd.Output()
		require.NoError(t, err, "%s", p.path)
		assert.Equal(t, "hello\n", string(out), "%s", p.path)
	}
}
