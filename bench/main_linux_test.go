package bench

import (
	"fmt"
	"os"
	"testing"

	"github.com/childloop/childloop/internal/spawn"
	"github.com/childloop/childloop/internal/testutil"
)

// helpers are what a re-executed test binary runs instead of the tests
// (testutil.RunHelperIfChild): each concurrent-streams variant runs in a
// fresh process, so that its threads and peak RSS are its own.
var helpers = map[string]testutil.Helper{"streams": streamsHelper}

// TestMain sets RLIMIT_NOFILE's soft limit to the hard one where the Go
// runtime raised it to hard−1: otherwise childloop's spawn falls back to
// syscall.ForkExec there (see internal/spawn) and the childloop rows would
// measure the fallback. syscall.ForkExec's children get the same limit.
// A helper process (the streams benchmark's) runs before that and sets the
// limit itself.
func TestMain(m *testing.M) {
	testutil.RunHelperIfChild(helpers)
	if err := spawn.NofileToHard(); err != nil {
		fmt.Fprintln(os.Stderr, "setrlimit:", err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}
