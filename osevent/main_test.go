package osevent

import (
	"os"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// openFDs counts the process's open fds (Linux only; -1 elsewhere).
func openFDs(t testing.TB) int {
	t.Helper()
	if runtime.GOOS != "linux" {
		return -1
	}
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(ents)
}

// checkFDLeak fails the test if it ends with more open fds than it began
// with. Tests using it must not run in parallel.
func checkFDLeak(t *testing.T) {
	t.Helper()
	before := openFDs(t)
	t.Cleanup(func() {
		assert.Equal(t, before, openFDs(t), "fd leak: open fds before the test (expected) and after (actual)")
	})
}
