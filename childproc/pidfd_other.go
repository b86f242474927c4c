//go:build unix && !linux

package childproc

import (
	"errors"
	"syscall"
)

var errPidfdUnsupported = errors.ErrUnsupported

func pidfdSupported() bool { return false }

func requestPidfd(*syscall.ProcAttr, *int) {}

func pidfdSignal(int, syscall.Signal) error { return errors.ErrUnsupported }

func newPidfdReaper(*Context) (reaper, error) { return nil, errors.ErrUnsupported }
