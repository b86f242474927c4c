//go:build linux && (amd64 || arm64)

package rawsig_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// helperEnv names the helper a re-executed test binary runs instead of the
// tests (the os/exec/exec_test.go pattern).
const helperEnv = "RAWSIG_TEST_HELPER"

var helpers = map[string]func() int{
	"ignore": helperIgnore,
}

func TestMain(m *testing.M) {
	if name := os.Getenv(helperEnv); name != "" {
		h, ok := helpers[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "unknown helper %q\n", name)
			os.Exit(2)
		}
		os.Exit(h())
	}
	// os/signal's delivery goroutine lives for the rest of the process once
	// any test has called signal.Notify.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("os/signal.loop"))
}
