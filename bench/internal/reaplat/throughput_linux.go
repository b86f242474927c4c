package reaplat

import (
	"github.com/childloop/childloop/bench/internal/child"
	"github.com/childloop/childloop/bench/internal/harness"
)

// throughputChildren returns the throughput section's child programs,
// writing the static true into dir: /bin/true, then the static true, or
// where this architecture has none a table saying so.
func throughputChildren(dir string) ([]ThroughputTable, error) {
	argv := []string{"true"}
	dynamic := ThroughputTable{Child: ThroughputChild{Name: child.TruePath,
		Desc:    child.TruePath + " (dynamically linked: its loader and libc's start-up are most of its CPU)",
		Program: harness.Program{Path: child.TruePath, Args: argv}}}
	static := ThroughputTable{Child: ThroughputChild{Name: "static true", Static: true}}
	path, desc, err := child.WriteStaticTrue(dir)
	if err != nil {
		return nil, err
	}
	static.Child.Desc = desc
	if child.HasStaticTrue() {
		static.Child.Program = harness.Program{Path: path, Args: argv}
	} else {
		static.Skipped = desc // WriteStaticTrue fell back to /bin/true, which the first table has
	}
	return []ThroughputTable{dynamic, static}, nil
}

// throughputChildCount is how many child programs throughputChildren
// runs.
func throughputChildCount() int {
	if child.HasStaticTrue() {
		return 2
	}
	return 1
}
