package exec

import "github.com/childloop/childloop/childproc"

// Idle reports whether the package's own loop is closed and its goroutine
// gone.
func Idle() bool { return defaultRunner.shared.idle() }

// SharedTree is how far the package's KillTree context reaches, once one
// was made (TreeNone before).
func SharedTree() childproc.Tree {
	s := defaultRunner.shared
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tree == nil {
		return childproc.TreeNone
	}
	return s.tree.Tree()
}
