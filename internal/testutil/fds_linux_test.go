package testutil

import (
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFDTargets(t *testing.T) {
	p := pipe(t, true)
	self, err := FDTargets(os.Getpid())
	require.NoError(t, err)
	fds, err := OpenFDs()
	require.NoError(t, err)
	var keys []int
	for fd := range self {
		keys = append(keys, fd)
	}
	assert.ElementsMatch(t, fds, keys, "the same descriptors as OpenFDs")
	assert.True(t, strings.HasPrefix(self[p[0]], "pipe:["), self[p[0]])
	assert.Equal(t, self[p[0]], self[p[1]], "both ends of one pipe")
	assert.Equal(t, strconv.Itoa(p[0])+" ("+self[p[0]]+")", describeFD(p[0]))

	// Another process: a helper holding the pipe's read end as fd 3, and
	// our own listing's descriptor number is not left out there.
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	cmd := HelperCommand(t, "block")
	cmd.ExtraFiles = []*os.File{r}
	cmd.Stdin = r
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { w.Close(); assert.NoError(t, cmd.Wait()) }()
	ready := make([]byte, 6)
	_, err = io.ReadFull(out, ready) // it runs the helper: exec is done
	require.NoError(t, err)
	other, err := FDTargets(cmd.Process.Pid)
	require.NoError(t, err)
	mine, err := FDTargets(os.Getpid())
	require.NoError(t, err)
	assert.Equal(t, mine[int(r.Fd())], other[3])
	assert.Equal(t, mine[int(r.Fd())], other[0])

	_, err = FDTargets(1 << 30)
	assert.Error(t, err)
}
