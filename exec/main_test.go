package exec_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/childloop/childloop/internal/testutil"
	"go.uber.org/goleak"
)

// helpers are the helper processes of this test binary; the Linux-only
// ones add themselves in init.
var helpers = map[string]testutil.Helper{}

func TestMain(m *testing.M) {
	testutil.RunHelperIfChild(helpers)
	goleak.VerifyTestMain(m)
}

// timeScale multiplies every test duration; set EXEC_TEST_TIMESCALE on
// slow machines.
var timeScale = func() time.Duration {
	if n, err := strconv.Atoi(os.Getenv("EXEC_TEST_TIMESCALE")); err == nil && n > 0 {
		return time.Duration(n)
	}
	return 1
}()

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond * timeScale }
