//go:build !linux

package runnercmp

import "errors"

// truePath is -child true's program.
const truePath = "/bin/true"

// hasStaticTrue reports whether -child static can run here: never, since
// bench/internal/child writes its static true for Linux only.
var hasStaticTrue = func() bool { return false }

// writeStaticTrue fails: checkChild refuses -child static before it is
// called.
func writeStaticTrue(string) (string, string, error) {
	return "", "", errors.New("-child static: Linux only")
}
