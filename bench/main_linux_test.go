package bench

import (
	"fmt"
	"os"
	"testing"

	"github.com/childloop/childloop/internal/spawn"
)

// TestMain sets RLIMIT_NOFILE's soft limit to the hard one where the Go
// runtime raised it to hard−1: otherwise childloop's spawn falls back to
// syscall.ForkExec there (see internal/spawn) and the childloop rows would
// measure the fallback. syscall.ForkExec's children get the same limit.
func TestMain(m *testing.M) {
	if err := spawn.NofileToHard(); err != nil {
		fmt.Fprintln(os.Stderr, "setrlimit:", err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}
