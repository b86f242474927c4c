package reaplat

import (
	"github.com/childloop/childloop/bench/internal/child"
	"github.com/childloop/childloop/bench/internal/harness"
)

// trueChild is the throughput section's child.
func trueChild() harness.Program {
	return harness.Program{Path: child.TruePath, Args: []string{"true"}}
}
