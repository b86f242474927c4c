//go:build linux && (amd64 || arm64)

package rawsig

import (
	"sync/atomic"
	"unsafe"
)

// RawAction is the kernel's SIGCHLD action, for comparisons in tests.
type RawAction = kernelSigaction

// Handler returns the handler field.
func (a RawAction) Handler() uintptr { return a.handler }

// CurrentAction reads the SIGCHLD action with rt_sigaction(NULL, &old).
func CurrentAction() (RawAction, error) {
	var a kernelSigaction
	err := rtSigaction(nil, &a)
	return a, err
}

// SetAction sets the SIGCHLD action raw, as foreign code would.
func SetAction(a RawAction) error { return rtSigaction(&a, nil) }

// HandlerPC is the entry address of the raw handler.
var HandlerPC = handlerPC

// SavedHandler is the handler the raw handler chains to.
func SavedHandler() uintptr { return atomic.LoadUintptr(&prevHandler) }

// SnapshotFDs returns a copy of the published fds.
func SnapshotFDs() []int32 {
	pubMu.Lock()
	defer pubMu.Unlock()
	p := atomic.LoadUintptr(&current)
	if p == 0 {
		return nil
	}
	if len(live) == 0 || uintptr(unsafe.Pointer(&live[0])) != p {
		panic("current does not match live")
	}
	return append([]int32(nil), live[1:]...)
}

// Retired returns how many replaced snapshots are still kept alive.
func Retired() int {
	pubMu.Lock()
	defer pubMu.Unlock()
	return len(retired)
}

// InFlight returns the sum of the in-flight counters.
func InFlight() uintptr {
	return atomic.LoadUintptr(&active[0]) + atomic.LoadUintptr(&active[1])
}
