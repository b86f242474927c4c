// Package harness defines what a row of the reaplat comparison is (a Row:
// a name, a few facts about it and the functions that measure it) and the
// configuration handed to each measurement. The rows themselves are one
// table, methods.Rows; reaplat, the end-to-end test and the testing.B
// benchmarks all read that table.
package harness

import (
	"context"
	"errors"
	"regexp"
	"time"
)

// Sample is one measured exit: the child's pid and t1 − t0, where t0 is the
// instant just before the parent closed the child's stdin and t1 the first
// instant the method's user code knew that pid had exited.
type Sample struct {
	Pid     int           `json:"pid"`
	Latency time.Duration `json:"ns"`
}

// LatencyConfig parameterises one latency run: N measured exits, one in
// flight at a time, preceded by Warmup exits whose samples are discarded.
type LatencyConfig struct {
	N      int
	Warmup int
	// Idle holds the pids of the scale section's idle children (nil
	// outside that section; shared, not to be modified). A row that reaps
	// only children it knows (childloop's contexts) adopts them for the
	// measurement, so that its reaping must walk them, and hands them back
	// unreaped before returning; every other row ignores Idle: the idle
	// children are the process's children anyway.
	Idle []int
	// Progress, if non-nil, is called after each measured exit with the
	// number done so far. It may be called from any goroutine, but never
	// concurrently.
	Progress func(done int)
}

// Program is a child program: the file to exec and its argv, Args[0] the
// name it runs under, as syscall.ForkExec takes them.
type Program struct {
	Path string   `json:"path"`
	Args []string `json:"args"`
}

// ThroughputConfig parameterises one throughput run: Total children of
// Child spawned and reaped with at most Concurrency in flight.
type ThroughputConfig struct {
	Concurrency int
	Total       int
	// Child is what every child runs, with stdin, stdout and stderr on
	// /dev/null and an empty environment. It takes no arguments but
	// Args[0], the only one the peer drivers are given.
	Child Program
}

// ThroughputRun is what one throughput run measured.
type ThroughputRun struct {
	// Elapsed is the wall time from before the first spawn to after the
	// last exit was noticed.
	Elapsed time.Duration
	// CPU and ChildCPU are set by a Peer row only: the CPU time (user +
	// system) of its own process over the run and of the children it
	// reaped, as it measured them with getrusage. reaplat's getrusage
	// would see the peer process as one of its children, interpreter
	// start-up included. An in-process row leaves them zero: reaplat
	// reads its own getrusage around the call.
	CPU, ChildCPU time.Duration
}

// OutputConfig parameterises one output run: one child (child.OutputPath
// with child.OutputArgv) writes MiB mebibytes of zeros to its stdout as fast
// as it can, after a warm-up child that writes WarmupMiB (0: none).
type OutputConfig struct {
	MiB       int
	WarmupMiB int
}

// Bytes is what the measured child writes.
func (c OutputConfig) Bytes() int64 { return int64(c.MiB) << 20 }

// RefExec is the Ref of the os/exec row: the throughput table's second
// ratio column is computed against it.
const RefExec = "exec.Cmd"

// RefExecOutput is the Ref of the exec.Cmd.Output row: the output table's
// ratio column is computed against it.
const RefExecOutput = "exec.Cmd.Output"

// Row is one way of running children and noticing their exit: one line of
// every section's table it takes part in. A Row is plain data; the zero
// value of a field means "no" (or "always available" for Available).
type Row struct {
	// Name is the row label, the same in every table, the plot, the JSON
	// and the Markdown; unique in the table.
	Name string
	// Floor marks the one row every ratio column is computed against
	// (raw pidfd + epoll).
	Floor bool
	// Default marks childloop's default configuration: the row the
	// verdict lines are about and the one the plot emphasises. Exactly
	// one row with a Latency function is the default; in the output
	// section every row of childloop's default parent is (capture and
	// stream), and the verdict's output line names each.
	Default bool
	// Ref, if not empty, makes the row one the verdict compares the
	// default against, under this short name ("the floor", RefExec,
	// "Node").
	Ref string
	// Peer marks a row measured in another process (Node.js, Python, the
	// C loop): the testing.B benchmarks skip it, and in the throughput
	// section its CPU times are the ones it reports (ThroughputRun).
	Peer bool
	// Scale puts the row in the scale section: in-process rows whose cost
	// may depend on how many other children the process has.
	Scale bool

	// Available returns nil if the row can run on this machine, or an
	// error whose text is printed as the skip reason (ErrNotInstalled
	// wrapped with the runtime's name for a missing peer). nil: always.
	Available func() error
	// Latency runs the fair protocol (see bench/README.md) for
	// cfg.Warmup + cfg.N sequential /bin/cat children and returns the
	// cfg.N measured samples. It must reap every child it started, also
	// on error. nil keeps the row out of the latency and scale sections
	// (a row of the throughput or the output section only).
	Latency func(ctx context.Context, cfg LatencyConfig) ([]Sample, error)
	// Throughput, if not nil, spawns and reaps cfg.Total children of
	// cfg.Child with cfg.Concurrency in flight and returns what it
	// measured. It must reap every child it started. nil keeps the row
	// out of the throughput section.
	Throughput func(ctx context.Context, cfg ThroughputConfig) (ThroughputRun, error)
	// Output, if not nil, runs the warm-up child of cfg and then the
	// measured one, reads each one's stdout to the end (checking that
	// it got every byte) and reaps it, and returns the measured child's
	// wall time: from before its spawn to the moment the method's user
	// code has both all of its output and its exit. nil keeps the row
	// out of the output section.
	Output func(ctx context.Context, cfg OutputConfig) (time.Duration, error)
	// Many, if not nil, puts the row in the many section (N live
	// children at once): reaplat runs it in a helper process of its own,
	// one per N. ManyPeer does the same for a peer runtime's driver,
	// which is itself the helper process. nil (both): not in the section.
	Many     ManyFunc
	ManyPeer ManyPeerFunc
	// ManyMax, if positive, is the largest N the row may run in the many
	// section, and ManyMaxWhy the reason: larger ones are listed as not
	// run rather than started (a thread per child would need 2N pids,
	// more than kernel.pid_max, starving every process of the machine).
	ManyMax    int
	ManyMaxWhy string
}

// Check returns nil if r can run on this machine, or why not.
func (r Row) Check() error {
	if r.Available == nil {
		return nil
	}
	return r.Available()
}

// ErrNotInstalled is wrapped by Available when a peer runtime (node,
// python3) is missing; the row then reads "skipped: not installed".
var ErrNotInstalled = errors.New("not installed")

// Select returns the rows whose name matches filter (all of them when
// filter is nil), in table order.
func Select(rows []Row, filter *regexp.Regexp) []Row {
	var out []Row
	for _, r := range rows {
		if filter == nil || filter.MatchString(r.Name) {
			out = append(out, r)
		}
	}
	return out
}
