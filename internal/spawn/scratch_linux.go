//go:build linux && (amd64 || arm64)

package spawn

import (
	"strings"
	"sync"
	"syscall"
)

// scratch is one spawn's memory for the child: the program and the
// NUL-terminated strings and pointer arrays it points into. The child reads
// it only while the parent is suspended, so it can be reused as soon as
// vforkRun returns; a pool of them makes a spawn allocation-free once warm.
type scratch struct {
	p    program
	buf  []byte  // path, dir, then every argv and envv string, each NUL-terminated
	ptrs []*byte // argv then envv, each nil-terminated
	fds  []int
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

// prepare fills s for argv0, argv and attr. It fails with EINVAL, as
// syscall.ForkExec does, for a string with a NUL byte.
func (s *scratch) prepare(argv0 string, argv []string, attr *syscall.ProcAttr) error {
	size := len(argv0) + 1 + len(attr.Dir) + 1
	for _, a := range argv {
		size += len(a) + 1
	}
	for _, e := range attr.Env {
		size += len(e) + 1
	}
	// Pointers into buf are taken below: it must not grow after that.
	if cap(s.buf) < size {
		s.buf = make([]byte, 0, size)
	}
	s.buf = s.buf[:0]
	if cap(s.ptrs) < len(argv)+len(attr.Env)+2 {
		s.ptrs = make([]*byte, 0, len(argv)+len(attr.Env)+2)
	}
	s.ptrs = s.ptrs[:0]

	var ok bool
	if s.p.path, ok = s.str(argv0); !ok {
		return syscall.EINVAL
	}
	s.p.dir = nil
	if attr.Dir != "" {
		if s.p.dir, ok = s.str(attr.Dir); !ok {
			return syscall.EINVAL
		}
	}
	if s.p.argv, ok = s.list(argv); !ok {
		return syscall.EINVAL
	}
	if s.p.envv, ok = s.list(attr.Env); !ok {
		return syscall.EINVAL
	}
	s.fds = s.fds[:0]
	for _, f := range attr.Files {
		s.fds = append(s.fds, int(f))
	}
	s.p.fds = s.fds
	return nil
}

// str appends v and a NUL to buf and returns the copy's address; false if v
// holds a NUL.
func (s *scratch) str(v string) (*byte, bool) {
	if strings.IndexByte(v, 0) >= 0 {
		return nil, false
	}
	start := len(s.buf)
	s.buf = append(s.buf, v...)
	s.buf = append(s.buf, 0)
	return &s.buf[start], true
}

// list appends vs to ptrs, nil-terminated, and returns its first element's
// address.
func (s *scratch) list(vs []string) (**byte, bool) {
	start := len(s.ptrs)
	for _, v := range vs {
		p, ok := s.str(v)
		if !ok {
			return nil, false
		}
		s.ptrs = append(s.ptrs, p)
	}
	s.ptrs = append(s.ptrs, nil)
	return &s.ptrs[start], true
}

// release clears what points into the caller's data and returns s to the
// pool. Huge buffers (a giant environment) are dropped rather than pinned.
func (s *scratch) release() {
	clear(s.ptrs)
	s.p = program{}
	if cap(s.buf) > 64<<10 {
		s.buf = nil
	}
	if cap(s.ptrs) > 4096 {
		s.ptrs = nil
	}
	scratches.Put(s)
}
