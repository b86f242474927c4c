package childproc

import (
	"errors"
	"fmt"
	"time"

	"github.com/childloop/childloop/hooks"
)

// noHooks stands in for the application's hooks when a ModeApp parent was
// created without any: every registration fails.
type noHooks struct{}

var errNoHooks = fmt.Errorf("childproc: %w: no hooks.OSEvents given (ModeApp parent without a loop)", errors.ErrUnsupported)

func (noHooks) RegisterFD(int, hooks.Events, hooks.FDTarget) (hooks.Registration, error) {
	return nil, errNoHooks
}

func (noHooks) ModifyFD(hooks.Registration, int, hooks.Events) (hooks.Registration, error) {
	return nil, errNoHooks
}

func (noHooks) DeregisterFD(hooks.Registration, int) {}

func (noHooks) RegisterTimeout(time.Time, hooks.TimeoutTarget) (hooks.Registration, error) {
	return nil, errNoHooks
}

func (noHooks) ModifyTimeout(hooks.Registration, time.Time) (hooks.Registration, error) {
	return nil, errNoHooks
}

func (noHooks) DeregisterTimeout(hooks.Registration) {}
