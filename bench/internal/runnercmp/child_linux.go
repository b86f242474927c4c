package runnercmp

import "github.com/childloop/childloop/bench/internal/child"

// truePath is -child true's program.
const truePath = child.TruePath

// hasStaticTrue reports whether -child static can run here; a variable so
// that tests can take the static true away.
var hasStaticTrue = child.HasStaticTrue

// writeStaticTrue writes -child static's program into dir and returns its
// path and a description.
func writeStaticTrue(dir string) (path, desc string, err error) {
	return child.WriteStaticTrue(dir)
}
