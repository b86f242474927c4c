package osevent

import (
	"errors"
	"io/fs"
	"testing"
	"time"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/sysfd"
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
		if !errors.Is(err, fs.ErrClosed) {
			t.Fatalf("%s after Close: %v, want fs.ErrClosed", what, err)
		}
	case dead:
		if !errors.Is(err, hooks.ErrNotArmed) {
			t.Fatalf("%s of dead registration: %v, want hooks.ErrNotArmed", what, err)
		}
	case fail:
		if !errors.Is(err, errHook) {
			t.Fatalf("%s with failing hook: %v, want errHook", what, err)
		}
	default:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
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
		if !m.live || fd != m.fd || rev == 0 || rev&^(m.events|hooks.Fault|hooks.Hup|hooks.Nval) != 0 {
			f.t.Fatalf("bad callback: live %v fd %d/%d revents %v events %v", m.live, fd, m.fd, rev, m.events)
		}
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
	if err := m.target.FDOccurred(fdArg, rev); err != nil {
		f.t.Fatalf("FDOccurred: %v", err)
	}
	if m.calls != m.expected {
		f.t.Fatalf("fd %d: %d callbacks, want %d", m.fd, m.calls, m.expected)
	}
}

func (f *fuzzRun) registerTimeout() {
	m := &fuzzTimeout{}
	fail := f.inject(f.next())
	var err error
	m.h, err = f.r.RegisterTimeout(time.Now(), func() {
		m.calls++
		if m.live {
			f.t.Fatal("timeout callback while still armed in the model")
		}
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
	if err != nil {
		f.t.Fatalf("TimeoutOccurred: %v", err)
	}
	if m.calls != m.expected {
		f.t.Fatalf("timeout: %d callbacks, want %d", m.calls, m.expected)
	}
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
	if len(f.h.violations) > 0 {
		t.Fatalf("hook contract violations: %v", f.h.violations)
	}
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
	if rf != hf || rt != ht || rf != mf || rt != mt {
		t.Fatalf("counts: registry %d/%d, application %d/%d, model %d/%d", rf, rt, hf, ht, mf, mt)
	}
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
		if rf, rt := run.r.counts(); rf+rt != 0 {
			t.Fatalf("left registered after Close: %d fds, %d timeouts", rf, rt)
		}
		for _, m := range run.fds {
			if err := m.target.FDOccurred(m.fd, hooks.In|hooks.Out|hooks.Pri|hooks.Hup); err != nil || m.calls != m.expected {
				t.Fatalf("after Close: err %v, %d callbacks, want %d", err, m.calls, m.expected)
			}
		}
	})
}
