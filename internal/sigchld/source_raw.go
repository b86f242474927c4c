//go:build linux && (amd64 || arm64)

package sigchld

import (
	"github.com/childloop/childloop/internal/knob"
	"github.com/childloop/childloop/internal/rawsig"
)

func rawSupported() bool { return rawsig.Supported() }

// rawSource writes the wake-up bytes from an assembly SIGCHLD handler,
// which then chains to the Go runtime's handler so signal.Notify keeps
// working. See package internal/rawsig.
type rawSource struct{}

func newRawSource() source { return rawSource{} }

func (rawSource) kind() knob.Source { return knob.SourceRaw }

func (rawSource) start() error { return rawsig.Install() }

func (rawSource) publish(w []int32) error { return rawsig.Publish(w) }

func (rawSource) quiesce() { rawsig.Quiesce() }

func (rawSource) stop() error {
	_ = rawsig.Publish(nil)
	rawsig.Quiesce()
	return rawsig.Uninstall()
}

func checkRaw() error {
	if !rawsig.Installed() {
		return nil
	}
	return rawsig.Check()
}
