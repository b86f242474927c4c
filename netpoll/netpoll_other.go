//go:build !linux

package netpoll

import (
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/childloop/childloop/hooks"
)

// ErrClosed is what Err returns once the Hooks are closed.
var ErrClosed = fmt.Errorf("netpoll: hooks closed: %w", fs.ErrClosed)

// Hooks are not available here: New fails.
type Hooks struct{}

// New returns an error wrapping errors.ErrUnsupported: the Hooks need Linux's epoll.
func New(func(func()) error) (*Hooks, error) {
	return nil, fmt.Errorf("netpoll: needs Linux (epoll): %w", errors.ErrUnsupported)
}

// Err implements hooks.Closer.
func (h *Hooks) Err() error { return ErrClosed }

// Close does nothing.
func (h *Hooks) Close() error { return nil }

// RegisterFD implements hooks.OSEvents; it always fails here.
func (h *Hooks) RegisterFD(int, hooks.Events, hooks.FDTarget) (hooks.Registration, error) {
	return nil, ErrClosed
}

// ModifyFD implements hooks.OSEvents; it always fails here.
func (h *Hooks) ModifyFD(reg hooks.Registration, _ int, _ hooks.Events) (hooks.Registration, error) {
	return reg, ErrClosed
}

// DeregisterFD implements hooks.OSEvents.
func (h *Hooks) DeregisterFD(hooks.Registration, int) {}

// RegisterTimeout implements hooks.OSEvents; it always fails here.
func (h *Hooks) RegisterTimeout(time.Time, hooks.TimeoutTarget) (hooks.Registration, error) {
	return nil, ErrClosed
}

// ModifyTimeout implements hooks.OSEvents; it always fails here.
func (h *Hooks) ModifyTimeout(reg hooks.Registration, _ time.Time) (hooks.Registration, error) {
	return reg, ErrClosed
}

// DeregisterTimeout implements hooks.OSEvents.
func (h *Hooks) DeregisterTimeout(hooks.Registration) {}
