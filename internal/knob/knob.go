// Package knob holds the process-wide switches that select one of
// childproc's implementations. They are not public API: the defaults are
// the measured best on each platform, and a user has no reason to choose
// another. The benchmarks compare every implementation side by side, and
// tests of other packages force a fallback path, through this package.
//
// Package childproc reads the switches when it needs them (the strategy at
// New, the signal source when it installs one).
package knob

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"

	"github.com/childloop/childloop/internal/rawsig"
	"github.com/childloop/childloop/internal/spawn"
)

// Strategy is how a parent finds which of its children exited after a
// wake-up.
type Strategy int32

const (
	// StrategyAuto picks the best strategy the kernel supports: pidfds on
	// Linux ≥ 5.4, the per-pid scan elsewhere. A parent that reaps every
	// child reaps with wait4(-1) whatever the strategy.
	StrategyAuto Strategy = iota
	// StrategyScan asks the kernel about each child in turn with
	// wait4(pid, WNOHANG): portable, O(children) per wake-up.
	StrategyScan
	// StrategyPidfd watches one pidfd per child in a private epoll set,
	// itself one fd in the application's loop: O(1) per exit, no SIGCHLD.
	StrategyPidfd
)

// String returns the strategy's name.
func (s Strategy) String() string {
	switch s {
	case StrategyAuto:
		return "auto"
	case StrategyScan:
		return "scan"
	case StrategyPidfd:
		return "pidfd"
	}
	return fmt.Sprintf("Strategy(%d)", int(s))
}

// Source is how SIGCHLD reaches the parents' self-pipes.
type Source int32

const (
	// SourceAuto picks the fastest source the platform supports.
	SourceAuto Source = iota
	// SourceRelay: a goroutine receives SIGCHLD from signal.Notify and
	// writes the bytes (portable; one goroutine hand-off per signal).
	SourceRelay
	// SourceRaw: the assembly handler of package rawsig writes the bytes
	// from the signal itself, then chains to the Go runtime's handler.
	SourceRaw
)

// String returns the source's name.
func (k Source) String() string {
	switch k {
	case SourceAuto:
		return "auto"
	case SourceRelay:
		return "relay"
	case SourceRaw:
		return "raw"
	}
	return fmt.Sprintf("Source(%d)", int(k))
}

var strategy, source atomic.Int32

// SetStrategy makes contexts created from now on use s. It returns an error
// wrapping os.ErrInvalid for an unknown strategy and errors.ErrUnsupported
// for one this kernel lacks (nothing changes then).
func SetStrategy(s Strategy) error {
	if s < StrategyAuto || s > StrategyPidfd {
		return fmt.Errorf("knob: %w: strategy %d", os.ErrInvalid, int(s))
	}
	if !StrategySupported(s) {
		return fmt.Errorf("knob: strategy %v: %w", s, errors.ErrUnsupported)
	}
	strategy.Store(int32(s))
	return nil
}

// CurrentStrategy is the strategy New gives a parent now.
func CurrentStrategy() Strategy { return Strategy(strategy.Load()) }

// PidfdSupported reports whether pidfd reaping works on this kernel.
func PidfdSupported() bool { return pidfdSupported() }

var pidfdSupported = spawn.PidfdSupported // tests replace it

// StrategySupported reports whether this kernel supports s.
func StrategySupported(s Strategy) bool {
	switch s {
	case StrategyAuto, StrategyScan:
		return true
	case StrategyPidfd:
		return PidfdSupported()
	}
	return false
}

// SetSource chooses the SIGCHLD source. It takes effect the next time the
// source is installed: when the first parent starts needing SIGCHLD after
// none did. Errors as for SetStrategy.
func SetSource(k Source) error {
	if k < SourceAuto || k > SourceRaw {
		return fmt.Errorf("knob: %w: signal source %d", os.ErrInvalid, int(k))
	}
	if !SourceSupported(k) {
		return fmt.Errorf("knob: signal source %v: %w", k, errors.ErrUnsupported)
	}
	source.Store(int32(k))
	return nil
}

// RequestedSource is the source to install next.
func RequestedSource() Source { return Source(source.Load()) }

// SourceSupported reports whether this platform has signal source k.
func SourceSupported(k Source) bool {
	switch k {
	case SourceAuto, SourceRelay:
		return true
	case SourceRaw:
		return rawsig.Supported()
	}
	return false
}
