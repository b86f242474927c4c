//go:build !linux

package reaplat

import "github.com/childloop/childloop/bench/internal/harness"

// trueChild is the throughput section's child.
func trueChild() harness.Program { return harness.Program{Path: "/bin/true", Args: []string{"true"}} }
