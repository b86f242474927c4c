package runnercmp

import (
	"fmt"
	"path/filepath"
	"runtime"
)

// Section (a)'s programs, as -child names them.
const (
	childTrue   = "true"   // /bin/true, dynamically linked
	childStatic = "static" // bench/internal/child's static true (WriteStaticTrue)
)

// Child is the program section (a)'s jobs run, chosen with -child.
type Child struct {
	// Path is what the runners run; the static true's is in runnercmp's
	// temporary directory, removed when it exits.
	Path  string `json:"path"`
	Shown string `json:"shown"` // Path as the tables show it: itself, or $DIR/true
	Desc  string `json:"desc"`  // what the program is, for the table's header
}

// checkChild reports whether name is a -child value that can run here.
func checkChild(name string) error {
	switch name {
	case childTrue:
		return nil
	case childStatic:
		if !hasStaticTrue() {
			return fmt.Errorf("-child static: no static true for %s/%s (bench/internal/child has one for Linux on amd64 and arm64); use -child true",
				runtime.GOOS, runtime.GOARCH)
		}
		return nil
	}
	return fmt.Errorf("-child %q: want %s or %s", name, childTrue, childStatic)
}

// prepareChild returns the program -child names, writing the static true
// into dir.
func prepareChild(name, dir string) (Child, error) {
	if err := checkChild(name); err != nil {
		return Child{}, err
	}
	if name == childTrue {
		return Child{Path: truePath, Shown: truePath, Desc: "dynamically linked"}, nil
	}
	path, desc, err := writeStaticTrue(dir)
	if err != nil {
		return Child{}, err
	}
	// GNU parallel and examples/parallel -sh hand the command to sh, and
	// examples/parallel splits its lines at white space: the path goes
	// into them as it is.
	if shellQuote(path) != path {
		return Child{}, fmt.Errorf("-child static: the program's path %q would need quoting in a command line; set TMPDIR to a plain directory", path)
	}
	return Child{Path: path, Shown: "$DIR/" + filepath.Base(path), Desc: desc + "; $DIR is runnercmp's temporary directory"}, nil
}
