//go:build !race

package exec_test

// raceEnabled reports whether this test binary was built with -race.
const raceEnabled = false
