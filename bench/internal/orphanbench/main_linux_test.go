//go:build linux

package orphanbench

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	if code, ok := Helper(); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// The quick run ends with a row per method and N, every orphan reaped,
// and ModeOrphans losing no os/exec status.
func TestQuick(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Main([]string{"-quick"}, &stdout, &stderr)
	out := stdout.String()
	t.Log(out)
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	for _, want := range []string{
		"| childloop ModeOrphans | 0 |", "| childloop ModeOrphans | 10 |",
		"| childloop ModeReapAll (wait4(-1)) | 10 |", "| signal.Notify + wait4(-1, WNOHANG) (go-reap) | 10 |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no row %q", want)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "| childloop ModeOrphans | 10 |") && !strings.HasSuffix(line, "| 100 of 100 | 0 of 10 |") {
			t.Errorf("ModeOrphans row: %s", line)
		}
	}
}
