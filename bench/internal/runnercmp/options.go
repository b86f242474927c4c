package runnercmp

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/childloop/childloop/bench/internal/machine"
)

// Options is the parsed command line; immutable after ParseOptions.
type Options struct {
	P        int           `json:"p"`         // jobs at once, for every runner
	Jobs     int           `json:"jobs"`      // section (a): jobs per run
	Child    string        `json:"child"`     // section (a): the jobs' program, "true" (/bin/true) or "static" (see Child)
	GNUJobs  int           `json:"gnu_jobs"`  // section (a): GNU parallel's jobs per run (at most Jobs)
	TreeJobs int           `json:"tree_jobs"` // section (b): timed-out jobs per run
	TreeRuns int           `json:"tree_runs"` // section (b): runs per runner
	Timeout  time.Duration `json:"timeout"`   // section (b): each job's timeout
	Grace    time.Duration `json:"grace"`     // section (b): childloop's -grace
	Runs     int           `json:"runs"`      // runs per runner and section (median shown)
	Runner   string        `json:"runner"`    // a prebuilt examples/parallel binary; empty: build one
	OutDir   string        `json:"out_dir"`   // where -json writes runnercmp.json
	JSON     bool          `json:"json"`      // write the raw results
	Quick    bool          `json:"quick"`     // smoke-test sizes
	Args     []string      `json:"args"`      // the command line, as given
}

// ParseOptions parses args (without the program name). Usage and errors go
// to errOut; flag.ErrHelp is returned for -h.
func ParseOptions(args []string, errOut io.Writer) (Options, error) {
	fs := flag.NewFlagSet("runnercmp", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = func() {
		fmt.Fprintf(errOut, "usage: go run ./bench/cmd/runnercmp [flags]\n\n"+
			"Compares examples/parallel with xargs -P and GNU parallel: (a) many /bin/true\n"+
			"(or -child static) jobs, (b) jobs that time out, leaving a plain and a\n"+
			"setsid'd grandchild.\n"+
			"See bench/README.md.\n\nflags:\n")
		fs.PrintDefaults()
	}
	o := Options{Args: append([]string(nil), args...)}
	fs.IntVar(&o.P, "P", 64, "jobs at once, for every runner")
	fs.IntVar(&o.Jobs, "jobs", 10000, "(a): jobs per run")
	fs.StringVar(&o.Child, "child", childTrue, "(a): the jobs' program: true (/bin/true) or static (bench/internal/child's static ELF that only calls exit_group(0); Linux on amd64 and arm64)")
	fs.IntVar(&o.GNUJobs, "gnu-jobs", 2000, "(a): GNU parallel's jobs per run, at most -jobs (it is several times slower, and its jobs/s hardly depends on the count)")
	fs.IntVar(&o.TreeJobs, "tree-jobs", 200, "(b): timed-out jobs per run")
	fs.IntVar(&o.TreeRuns, "tree-runs", 1, "(b): runs of each runner (GNU parallel takes over a minute for 200 jobs here)")
	fs.DurationVar(&o.Timeout, "timeout", 300*time.Millisecond, "(b): each job's timeout")
	fs.DurationVar(&o.Grace, "grace", time.Second, "(b): childloop's -grace (SIGTERM to SIGKILL)")
	fs.IntVar(&o.Runs, "runs", 3, "(a): runs of each runner, in rotated order (the median is shown)")
	fs.StringVar(&o.Runner, "runner", "", "examples/parallel binary to use (default: go build it into a temporary directory)")
	fs.StringVar(&o.OutDir, "out", "bench/out", "output directory for -json")
	fs.BoolVar(&o.JSON, "json", false, "also write every run's numbers and the machine to OUT/runnercmp.json")
	fs.BoolVar(&o.Quick, "quick", false, "smoke test: -jobs 200 -gnu-jobs 200 -tree-jobs 20 -runs 1 (flags given explicitly still win)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if o.Quick {
		machine.QuickDefaults(fs,
			map[string]*int{"jobs": &o.Jobs, "gnu-jobs": &o.GNUJobs, "tree-jobs": &o.TreeJobs, "runs": &o.Runs, "tree-runs": &o.TreeRuns},
			map[string]int{"jobs": 200, "gnu-jobs": 200, "tree-jobs": 20, "runs": 1, "tree-runs": 1})
	}
	if o.P < 1 || o.Jobs < 1 || o.GNUJobs < 1 || o.TreeJobs < 1 || o.Runs < 1 || o.TreeRuns < 1 {
		return o, errors.New("-P, -jobs, -gnu-jobs, -tree-jobs, -runs and -tree-runs must be positive")
	}
	o.GNUJobs = min(o.GNUJobs, o.Jobs)
	if err := checkChild(o.Child); err != nil {
		return o, err
	}
	if o.Timeout <= 0 || o.Grace <= 0 {
		return o, errors.New("-timeout and -grace must be positive")
	}
	return o, nil
}
