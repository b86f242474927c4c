//go:build race

package testutil

// RaceEnabled reports whether this binary was built with -race (whose
// sync.Pool drops items at random, for one).
const RaceEnabled = true
