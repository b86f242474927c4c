//go:build race

package cgroup

// raceEnabled reports whether this test binary was built with -race.
const raceEnabled = true
