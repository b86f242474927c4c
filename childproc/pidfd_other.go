//go:build unix && !linux

package childproc

import (
	"errors"
	"syscall"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/osevent"
)

var errPidfdUnsupported = errors.ErrUnsupported

func pidfdSupported() bool { return false }

func requestPidfd(*spawnAttr) {}

func dropPidfd(*spawnAttr) bool { return false }

func pidfdSignal(int, syscall.Signal) error { return errors.ErrUnsupported }

func pidfdOpen(int) (int, error) { return -1, errors.ErrUnsupported }

func newPidfdReaper(*osevent.Registry, func(int, hooks.Events)) (reaper, error) {
	return nil, errors.ErrUnsupported
}

// checkChildOfProcess cannot look without reaping here; Adopt trusts the
// caller.
func checkChildOfProcess(int) error { return nil }
