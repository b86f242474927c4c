package child

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func TestCatProtocol(t *testing.T) {
	c, err := SpawnCat(true)
	require.NoError(t, err)
	defer c.Close()
	require.GreaterOrEqual(t, c.PidFD, 0, "no pidfd")
	require.NoError(t, c.Handshake())
	c.CloseStdin()
	ws, err := Reap(c.Pid)
	require.NoError(t, err)
	require.True(t, ws.Exited(), "cat ended %v; want exit 0", ws)
	require.Zero(t, ws.ExitStatus(), "cat ended %v; want exit 0", ws)
	assert.NoError(t, testutil.NoChildren())
}

func TestTrue(t *testing.T) {
	pid, pidfd, err := SpawnNull(TruePath, []string{"true"}, false)
	require.NoError(t, err)
	require.Equal(t, -1, pidfd, "pidfd of a spawn that asked for none (pid %d)", pid)
	ws, err := Reap(pid)
	require.NoError(t, err)
	require.Zero(t, ws.ExitStatus(), "true ended %v", ws)
	assert.NoError(t, testutil.NoChildren())
}

func TestIdlePool(t *testing.T) {
	p, err := NewIdlePool()
	require.NoError(t, err)
	require.NoError(t, p.Grow(10, nil))
	require.NoError(t, p.Grow(25, nil))
	require.Equal(t, 25, p.Len())
	require.NoError(t, p.Release())
	require.NoError(t, p.Release(), "second Release")
	require.Error(t, p.Grow(1, nil), "Grow after Release")
	assert.NoError(t, testutil.NoChildren())
}

func TestOutput(t *testing.T) {
	require.NoError(t, OutputAvailable())
	var p [2]int
	require.NoError(t, unix.Pipe2(p[:], unix.O_CLOEXEC))
	pid, err := SpawnOutput(2, p[1])
	unix.Close(p[1])
	require.NoError(t, err)
	var n int64
	buf := make([]byte, 64<<10)
	for {
		k, err := unix.Read(p[0], buf)
		if err == unix.EINTR {
			continue
		}
		require.NoError(t, err)
		if k == 0 {
			break
		}
		n += int64(k)
	}
	unix.Close(p[0])
	ws, err := Reap(pid)
	require.NoError(t, err)
	require.Zero(t, ws.ExitStatus(), "dd ended %v", ws)
	assert.Equal(t, int64(2<<20), n, "bytes read")
	assert.NoError(t, testutil.NoChildren())
}

func TestBlocker(t *testing.T) {
	path, desc, err := WriteBlocker(t.TempDir())
	require.NoError(t, err)
	t.Log(path, desc)
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	cmd := exec.Command(path)
	cmd.Stdin = r
	require.NoError(t, cmd.Start())
	_, err = w.Write([]byte("abc")) // bytes are read and ignored
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("blocker exited before EOF: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	require.NoError(t, w.Close())
	assert.NoError(t, <-done, "blocker's exit after EOF")
}
