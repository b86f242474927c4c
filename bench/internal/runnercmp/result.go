package runnercmp

import (
	"slices"
	"time"
)

// Result is one invocation's measurements; written as JSON with -json.
type Result struct {
	Options Options `json:"options"`
	Env     Env     `json:"env"`
	Child   Child   `json:"child"`   // section (a)'s program (Options.Child)
	Short   []Row   `json:"short"`   // section (a): many short jobs of Child
	Tree    []Row   `json:"tree"`    // section (b): jobs that time out
	WallNS  int64   `json:"wall_ns"` // the whole invocation
}

// Row is one runner in one section.
type Row struct {
	Runner  string  `json:"runner"`            // "xargs", "GNU parallel", "childloop parallel"
	Command string  `json:"command"`           // how it was run: argv, shell-quoted
	Input   string  `json:"input"`             // what its stdin held, in words
	Jobs    int     `json:"jobs"`              // jobs per run
	Skipped string  `json:"skipped,omitempty"` // why it did not run, e.g. "not installed (apt-get install parallel)"
	Error   string  `json:"error,omitempty"`   // why a run failed; the runs before it are kept
	Runs    []Trial `json:"runs"`
	Ref     bool    `json:"ref,omitempty"` // the row the others are compared with (xargs)
}

// Trial is one run of a runner.
type Trial struct {
	WallNS int64 `json:"wall_ns"` // from the runner's start to its exit
	// CPUNS is the user and system time of the runner and of every
	// process it waited for, directly or not (its rusage from wait4).
	CPUNS int64 `json:"cpu_ns"`
	Exit  int   `json:"exit"`
	// LeftPlain and LeftSetsid, in section (b), count the grandchildren
	// alive after the runner exited (see scan): the plain ones, and the
	// ones that called setsid.
	LeftPlain  int `json:"left_plain"`
	LeftSetsid int `json:"left_setsid"`
}

// ran reports whether the row has numbers to show.
func (r Row) ran() bool { return r.Skipped == "" && len(r.Runs) > 0 }

// median returns the run of median wall time (the lower of the middle two
// for an even count); r must have runs.
func (r Row) median() Trial {
	runs := slices.Clone(r.Runs)
	slices.SortFunc(runs, func(a, b Trial) int { return int(a.WallNS - b.WallNS) })
	return runs[(len(runs)-1)/2]
}

// rate is the jobs/s of the median run; r must have runs.
func (r Row) rate() float64 {
	return float64(r.Jobs) / time.Duration(r.median().WallNS).Seconds()
}

// wallRange returns the fastest and slowest run's wall time.
func (r Row) wallRange() (lo, hi time.Duration) {
	lo, hi = time.Duration(r.Runs[0].WallNS), time.Duration(r.Runs[0].WallNS)
	for _, run := range r.Runs[1:] {
		lo, hi = min(lo, time.Duration(run.WallNS)), max(hi, time.Duration(run.WallNS))
	}
	return lo, hi
}
