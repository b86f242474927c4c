//go:build !linux

package reaplat

import "errors"

// throughputChildren fails: the section's rows need Linux.
func throughputChildren(string) ([]ThroughputTable, error) {
	return nil, errors.New("the throughput section runs on Linux only")
}

// throughputChildCount is how many child programs throughputChildren
// runs.
func throughputChildCount() int { return 0 }
