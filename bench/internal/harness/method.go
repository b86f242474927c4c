// Package harness defines what a row of the reaplat comparison is (a
// Method), the registry the command reads its rows from, and the
// configuration handed to each measurement.
//
// Adding a row is one file with one init:
//
//	func init() { harness.Register(myMethod{}) }
//
// where myMethod implements Method and, optionally, Scaler and
// Throughputer. Rows appear in the tables in registration order, sorted by
// Order (see Ordered) first.
package harness

import (
	"context"
	"errors"
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
	// Progress, if non-nil, is called after each measured exit with the
	// number done so far. It may be called from any goroutine, but never
	// concurrently.
	Progress func(done int)
}

// ThroughputConfig parameterises one throughput run: Total children of
// /bin/true spawned and reaped with at most Concurrency in flight.
type ThroughputConfig struct {
	Concurrency int
	Total       int
}

// Method is one way of running children and noticing their exit: one row
// of the latency table.
type Method interface {
	// Name is the row label; unique among registered methods.
	Name() string
	// Available returns nil if the method can run on this machine, or an
	// error whose text is printed as the skip reason (for example
	// ErrNotInstalled wrapped with the runtime's name).
	Available() error
	// Latency runs the fair protocol (see bench/README.md) for cfg.Warmup
	// + cfg.N sequential /bin/cat children and returns the cfg.N measured
	// samples. It must reap every child it started, also on error.
	Latency(ctx context.Context, cfg LatencyConfig) ([]Sample, error)
}

// Scaler is implemented by in-process methods whose cost may grow with the
// number of other children of the process. The scale section calls
// Latency on them while the harness holds many idle children; Scales
// returns false to opt out dynamically.
type Scaler interface {
	Method
	Scales() bool
}

// Throughputer is implemented by methods that can spawn and reap
// cfg.Total short children (/bin/true) with cfg.Concurrency in flight.
// Throughput returns the elapsed wall time, from before the first spawn to
// after the last exit was noticed, and must reap every child it started.
type Throughputer interface {
	Method
	Throughput(ctx context.Context, cfg ThroughputConfig) (time.Duration, error)
}

// Ordered may be implemented to place a row: lower Order comes first;
// methods without it have Order 100. Ties keep registration order.
type Ordered interface {
	Order() int
}

// IsFloor may be implemented by exactly one method: the row every ratio is
// computed against (raw pidfd + epoll).
type IsFloor interface {
	Floor() bool
}

// ErrNotInstalled is wrapped by Available when a peer runtime (node,
// python3) is missing; the row then reads "skipped: not installed".
var ErrNotInstalled = errors.New("not installed")

// OutOfProcess may be implemented by methods measured in another process
// (the Node.js and Python peers). The testing.B benchmarks in bench/ run
// only in-process methods; the scale section runs the Scalers.
type OutOfProcess interface {
	OutOfProcess() bool
}

// InProcess reports whether m measures inside this process.
func InProcess(m Method) bool {
	o, ok := m.(OutOfProcess)
	return !ok || !o.OutOfProcess()
}
