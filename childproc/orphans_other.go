//go:build unix && !linux

package childproc

import (
	"fmt"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/osevent"
)

func newOrphanReaper(*osevent.Registry, func(int, hooks.Events)) (reaper, error) {
	return nil, fmt.Errorf("childproc: Config.Mode orphans: %w", errPidfdUnsupported)
}
