package osevent

import (
	"io/fs"
	"testing"
	"time"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/sysfd"
	"github.com/stretchr/testify/require"
)

// fuzzFD is the fuzzer's model of one fd registration attempt.
type fuzzFD struct {
	h        *FD
	target   hooks.FDTarget // nil if the registration failed
	fd       int
	events   hooks.Events
	live     bool
	flags    byte // 1: deregister itself in the callback; 2: close the registry in the callback
	calls    int
	expected int
}

// fuzzTimeout is the fuzzer's model of one timeout registration attempt.
type fuzzTimeout struct {
	h        *Timeout
	fake     *fakeTimeout // nil if the registration failed
	live     bool
	calls    int
	expected int
}

// fuzzRun drives a Registry with the operations encoded in ops and checks
// it against a model and against the fake application's bookkeeping.
type fuzzRun struct {
	t      *testing.T
	ops    []byte
	h      *fakeHooks
	r      *Registry
	fds    []*fuzzFD
	tos    []*fuzzTimeout
	closed bool
}

func (f *fuzzRun) next() byte {
	if len(f.ops) == 0 {
		return 0
	}
	b := f.ops[0]
	f.ops = f.ops[1:]
	return b
}

func (f *fuzzRun) closeAll() {
	f.r.Close()
	f.closed = true
	for _, m := range f.fds {
		m.live = false
	}
	for _, m := range f.tos {
		m.live = false
	}
}

func (f *fuzzRun) pickFD() *fuzzFD {
	b := f.next()
	if len(f.fds) == 0 {
		return nil
	}
	return f.fds[int(b)%len(f.fds)]
}

func (f *fuzzRun) pickTimeout() *fuzzTimeout {
	b := f.next()
	if len(f.tos) == 0 {
		return nil
	}
	return f.tos[int(b)%len(f.tos)]
}

// inject makes the next Register/Modify hook fail if b says so.
func (f *fuzzRun) inject(b byte) bool {
	fail := b&3 == 0
	if fail {
		f.h.failNextWith(errHook)
	}
	return fail
}

func (f *fuzzRun) wantErr(what string, err error, fail bool, dead bool) {
	t := f.t
	switch {
	case f.closed && (dead || what == "register"):
		require.ErrorIs(t, err, fs.ErrClosed, "%s after Close", what)
	case dead:
		require.ErrorIs(t, err, hooks.ErrNotArmed, "%s of dead registration", what)
	case fail:
		require.ErrorIs(t, err, errHook, "%s with failing hook", what)
	default:
		require.NoError(t, err, what)
	}
	f.h.failNextWith(nil) // an injected failure not consumed
}

func (f *fuzzRun) registerFD() {
	m := &fuzzFD{fd: int(f.next() % 6), events: hooks.Events(f.next()) & sysfd.Requestable}
	m.flags = f.next() % 4
	fail := f.inject(f.next())
	var err error
	m.h, err = f.r.RegisterFD(m.fd, m.events, func(fd int, rev hooks.Events) {
		m.calls++
		require.True(f.t, m.live && fd == m.fd && rev != 0 && rev&^(m.events|hooks.Fault|hooks.Hup|hooks.Nval) == 0,
			"bad callback: live %v fd %d/%d revents %v events %v", m.live, fd, m.fd, rev, m.events)
		if m.flags&1 != 0 {
			m.h.Deregister()
			m.live = false
		}
		if m.flags&2 != 0 {
			f.closeAll()
		}
	})
	f.wantErr("register", err, fail, false)
	if err == nil {
		m.live = true
		m.target = f.h.lastFD.target
		f.fds = append(f.fds, m)
	}
}

func (f *fuzzRun) deliverFD() {
	m := f.pickFD()
	fdArg := int(f.next() % 7)
	rev := hooks.Events(f.next()) & 0x3f
	if m == nil {
		return
	}
	if f.next()&1 == 0 {
		fdArg = m.fd
	}
	masked := rev & (m.events | hooks.Fault | hooks.Hup | hooks.Nval)
	if m.live && fdArg == m.fd && m.events != 0 && masked != 0 {
		m.expected++
	}
	require.NoError(f.t, m.target.FDOccurred(fdArg, rev), "FDOccurred")
	require.Equal(f.t, m.expected, m.calls, "fd %d: callbacks", m.fd)
}

func (f *fuzzRun) registerTimeout() {
	m := &fuzzTimeout{}
	fail := f.inject(f.next())
	var err error
	m.h, err = f.r.RegisterTimeout(time.Now(), func() {
		m.calls++
		require.False(f.t, m.live, "timeout callback while still armed in the model")
		m.h.Deregister() // consumed: a no-op
	})
	f.wantErr("register", err, fail, false)
	if err == nil {
		m.live = true
		m.fake = f.h.lastTimeout
		f.tos = append(f.tos, m)
	}
}

func (f *fuzzRun) fireTimeout() {
	m := f.pickTimeout()
	if m == nil {
		return
	}
	var err error
	if m.live {
		m.live = false
		m.expected++
		err = f.h.fire(m.fake)
	} else {
		err = m.fake.target.TimeoutOccurred() // stale
	}
	require.NoError(f.t, err, "TimeoutOccurred")
	require.Equal(f.t, m.expected, m.calls, "timeout: callbacks")
}

func (f *fuzzRun) step() {
	switch f.next() % 8 {
	case 0:
		f.registerFD()
	case 1:
		m := f.pickFD()
		events := hooks.Events(f.next()) & sysfd.Requestable
		fail := f.inject(f.next())
		if m == nil {
			f.h.failNextWith(nil)
			return
		}
		err := m.h.Modify(events)
		f.wantErr("modify fd", err, fail, !m.live)
		if err == nil {
			m.events = events
		}
	case 2:
		if m := f.pickFD(); m != nil {
			m.h.Deregister()
			m.live = false
		}
	case 3:
		f.deliverFD()
	case 4:
		f.registerTimeout()
	case 5:
		m := f.pickTimeout()
		fail := f.inject(f.next())
		if m == nil {
			f.h.failNextWith(nil)
			return
		}
		f.wantErr("modify timeout", m.h.Modify(time.Time{}), fail, !m.live)
	case 6:
		if m := f.pickTimeout(); m != nil {
			if f.next()&1 == 0 {
				m.h.Deregister()
				m.live = false
			} else {
				f.fireTimeout()
			}
		}
	case 7:
		if f.next()%4 == 0 {
			f.closeAll()
		} else {
			f.fireTimeout()
		}
	}
}

// check compares the registry, the fake application and the model.
func (f *fuzzRun) check() {
	t := f.t
	require.Empty(t, f.h.violations, "hook contract violations")
	rf, rt := f.r.counts()
	hf, ht := f.h.counts()
	mf, mt := 0, 0
	for _, m := range f.fds {
		if m.live {
			mf++
		}
	}
	for _, m := range f.tos {
		if m.live {
			mt++
		}
	}
	require.Equal(t, [2]int{hf, ht}, [2]int{rf, rt}, "fd/timeout counts: application (expected), registry (actual)")
	require.Equal(t, [2]int{mf, mt}, [2]int{rf, rt}, "fd/timeout counts: model (expected), registry (actual)")
}

func FuzzRegistry(f *testing.F) {
	f.Add([]byte{0, 3, 1, 0, 1, 3, 0, 3, 1, 1, 2, 0, 1})
	f.Add([]byte{4, 1, 7, 0, 6, 0, 1, 5, 0, 1, 7, 1, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		run := &fuzzRun{t: t, ops: ops, h: newFakeHooks()}
		run.r = New(run.h)
		for len(run.ops) > 0 {
			run.step()
			run.check()
		}
		run.closeAll()
		run.check()
		rf, rt := run.r.counts()
		require.Zero(t, rf+rt, "left registered after Close: %d fds, %d timeouts", rf, rt)
		for _, m := range run.fds {
			require.NoError(t, m.target.FDOccurred(m.fd, hooks.In|hooks.Out|hooks.Pri|hooks.Hup), "after Close")
			require.Equal(t, m.expected, m.calls, "after Close: callbacks")
		}
	})
}
