package elfmin

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// The exit-zero image of this machine runs and exits 0 (the bench's tests
// check both images' headers, and the arm64 one under qemu).
func TestExitZeroRuns(t *testing.T) {
	img := ExitZero(runtime.GOARCH)
	if img == nil {
		t.Skipf("no image for GOARCH=%s", runtime.GOARCH)
	}
	path := filepath.Join(t.TempDir(), "exit0")
	require.NoError(t, os.WriteFile(path, img, 0o755))
	require.NoError(t, exec.Command(path).Run())
	require.Nil(t, ExitZero("riscv64"), "an architecture without an image")
}
