package osevent

import (
	"time"

	"github.com/childloop/childloop/hooks"
)

// The Registry calls the application's hooks only through the methods in
// this file, with r.mu held. Each marks the call in r.hooking and, being
// kept out of line, leaves a frame whose name starts with hookFramePrefix
// on the calling goroutine's stack: that frame is how calledFromHook tells
// a reentrant occurrence from a merely concurrent one. Do not inline them,
// rename them, or call a hook any other way.

//go:noinline
func (r *Registry) hookRegisterFD(fd int, events hooks.Events, t hooks.FDTarget) (hooks.Registration, error) {
	r.hooking.Store(true)
	defer r.hooking.Store(false)
	return r.h.RegisterFD(fd, events, t)
}

//go:noinline
func (r *Registry) hookModifyFD(reg hooks.Registration, fd int, events hooks.Events) (hooks.Registration, error) {
	r.hooking.Store(true)
	defer r.hooking.Store(false)
	return r.h.ModifyFD(reg, fd, events)
}

//go:noinline
func (r *Registry) hookDeregisterFD(reg hooks.Registration, fd int) {
	r.hooking.Store(true)
	defer r.hooking.Store(false)
	r.h.DeregisterFD(reg, fd)
}

//go:noinline
func (r *Registry) hookRegisterTimeout(deadline time.Time, t hooks.TimeoutTarget) (hooks.Registration, error) {
	r.hooking.Store(true)
	defer r.hooking.Store(false)
	return r.h.RegisterTimeout(deadline, t)
}

//go:noinline
func (r *Registry) hookModifyTimeout(reg hooks.Registration, deadline time.Time) (hooks.Registration, error) {
	r.hooking.Store(true)
	defer r.hooking.Store(false)
	return r.h.ModifyTimeout(reg, deadline)
}

//go:noinline
func (r *Registry) hookDeregisterTimeout(reg hooks.Registration) {
	r.hooking.Store(true)
	defer r.hooking.Store(false)
	r.h.DeregisterTimeout(reg)
}
