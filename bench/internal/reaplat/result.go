package reaplat

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/childloop/childloop/bench/internal/harness"
	"github.com/childloop/childloop/bench/internal/stats"
)

// Result is everything one run measured; it is what reaplat.json holds.
type Result struct {
	Env        Env               `json:"env"`
	Options    Options           `json:"options"`
	Latency    []LatencyRow      `json:"latency,omitempty"`
	Scale      []ScaleRow        `json:"scale,omitempty"`
	Throughput []ThroughputTable `json:"throughput,omitempty"` // one per child program
	Output     []OutputRow       `json:"output,omitempty"`
	Many       []ManyRow         `json:"many,omitempty"`
	ManyChild  string            `json:"many_child,omitempty"`  // the many section's child program
	ManyLimits string            `json:"many_limits,omitempty"` // the limits that bound N there
	Pty        []PtyRow          `json:"pty,omitempty"`
	PtyChild   string            `json:"pty_child,omitempty"` // the pty section's interactive child program
	Rows       []Row             `json:"rows,omitempty"`      // every selected row, in table order: the plots' colours follow it
	WallNS     int64             `json:"wall_ns"`
}

// RowStatus says why a row has no numbers; both empty means it ran.
type RowStatus struct {
	Skipped string `json:"skipped,omitempty"` // e.g. "not installed"
	Error   string `json:"error,omitempty"`
}

// Row is how every row of every section starts: the method, its role
// (harness.Row's Floor, Default and Ref), and its status.
type Row struct {
	Method  string `json:"method"`
	Floor   bool   `json:"floor,omitempty"`
	Default bool   `json:"default,omitempty"`
	Ref     string `json:"ref,omitempty"`
	RowStatus
}

// LatencyRow is one method in the latency section.
type LatencyRow struct {
	Row
	Summary stats.Summary    `json:"summary"`
	Samples []harness.Sample `json:"samples,omitempty"`
}

// ScaleRow is one method in the scale section: one point per idle level.
type ScaleRow struct {
	Row
	Points []ScalePoint `json:"points,omitempty"`
}

// ScalePoint is the latency of one exit next to Idle idle children.
type ScalePoint struct {
	Idle    int              `json:"idle"`
	Summary stats.Summary    `json:"summary"`
	Samples []harness.Sample `json:"samples,omitempty"`
}

// ThroughputChild is one child program of the throughput section.
type ThroughputChild struct {
	Name    string          `json:"name"`    // short label: "/bin/true", "static true"
	Desc    string          `json:"desc"`    // what it is, for headings
	Static  bool            `json:"static"`  // the static true: the one that hides least of the parent's cost
	Program harness.Program `json:"program"` // what the rows ran
}

// ThroughputTable is the throughput section for one child program: every
// row with a Throughput function, in table order. Skipped says why the
// child did not run (no static true for this architecture); Rows is then
// empty.
type ThroughputTable struct {
	Child   ThroughputChild `json:"child"`
	Skipped string          `json:"skipped,omitempty"`
	Rows    []ThroughputRow `json:"rows,omitempty"`
}

// ThroughputRow is one method in the throughput section. The total is
// split into rounds that interleave with the other methods' rounds, so that
// a slow spell of a shared machine lands on every method rather than on one;
// PerSecond is the median round.
type ThroughputRow struct {
	Row
	Concurrency int       `json:"concurrency"`
	Total       int       `json:"total"`
	ElapsedNS   int64     `json:"elapsed_ns"` // all rounds
	Rounds      []float64 `json:"rounds"`     // children/s of each round, in run order
	PerSecond   float64   `json:"per_second"` // median of Rounds
	// CPU time per child over all rounds (getrusage): the spawning and
	// reaping process's own and that of the children it reaped, from
	// clone to exit, exec included. For an in-process row reaplat reads
	// them itself; a peer row's driver reports its own
	// (harness.ThroughputRun).
	SelfCPUNS    int64 `json:"self_cpu_ns_per_child,omitempty"`
	ChildCPUNS   int64 `json:"child_cpu_ns_per_child,omitempty"`
	OutOfProcess bool  `json:"out_of_process,omitempty"` // a peer: its CPU times are its driver's report
}

// OutputRow is one method in the output section: one child per round
// writing MiB mebibytes to its stdout, read to the end. MBps is the median
// round, in 10^6 bytes per second.
type OutputRow struct {
	Row
	MiB       int       `json:"mib"`
	WarmupMiB int       `json:"warmup_mib"`
	ElapsedNS int64     `json:"elapsed_ns"` // the measured children of all rounds
	Rounds    []float64 `json:"rounds"`     // MB/s of each round, in run order
	MBps      float64   `json:"mb_per_s"`   // median of Rounds
	// CPU time per MiB read over all rounds, warm-up children included
	// (getrusage): the measuring process's own (for a peer row only the
	// idle harness) and the reaped children's (dd; for a peer row also
	// the peer process, its interpreter's start included).
	SelfCPUNS    int64 `json:"self_cpu_ns_per_mib,omitempty"`
	ChildCPUNS   int64 `json:"child_cpu_ns_per_mib,omitempty"`
	OutOfProcess bool  `json:"out_of_process,omitempty"`
}

// JSONFile is the raw samples' file in Options.OutDir (with -json).
const JSONFile = "reaplat.json"

// writeJSON writes r to dir/JSONFile and returns the path.
func writeJSON(dir string, r *Result) (string, error) {
	path := filepath.Join(dir, JSONFile)
	b, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}

// durations extracts the latencies of samples.
func durations(samples []harness.Sample) []time.Duration {
	out := make([]time.Duration, len(samples))
	for i, s := range samples {
		out[i] = s.Latency
	}
	return out
}
