//go:build linux && (amd64 || arm64)

package rawsig_test

import (
	"testing"

	"github.com/childloop/childloop/internal/testutil"
	"go.uber.org/goleak"
)

// helpers are what a re-executed test binary runs instead of the tests
// (testutil.RunHelperIfChild).
var helpers = map[string]testutil.Helper{
	"ignore": helperIgnore,
}

func TestMain(m *testing.M) {
	testutil.RunHelperIfChild(helpers)
	// os/signal's delivery goroutine lives for the rest of the process once
	// any test has called signal.Notify.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("os/signal.loop"))
}
