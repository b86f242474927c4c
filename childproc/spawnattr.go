package childproc

import (
	"fmt"
	"os"
	"sync"
	"syscall"
)

// spawnAttr is one Spawn's ProcAttr and what the library adds to it: its
// own copy of the caller's SysProcAttr (written for the tree and the
// pidfd, never the caller's), the fd list, the pidfd clone stores, and
// what start hands the new Child. Nothing of it outlives the spawn, so
// Spawn takes one from a pool and puts it back: a spawn allocates only
// the Child it returns.
type spawnAttr struct {
	attr    syscall.ProcAttr
	sys     syscall.SysProcAttr
	sysMine bool // attr.Sys is &sys
	files   []uintptr
	pidfd   int
	extra   spawnExtra
}

var spawnAttrs = sync.Pool{New: func() any { return new(spawnAttr) }}

// newSpawnAttr returns a spawnAttr for cmd's stdio plan; on error there
// is none to release.
func newSpawnAttr(cmd *Cmd, plan *stdioPlan) (*spawnAttr, error) {
	sa := spawnAttrs.Get().(*spawnAttr)
	files := sa.files[:0]
	for i, f := range plan.given {
		if plan.files[i] >= 0 {
			files = append(files, uintptr(plan.files[i]))
			continue
		}
		if f == nil {
			dn, err := devNull()
			if err != nil {
				sa.release()
				return nil, fmt.Errorf("childproc: spawn: %w", err)
			}
			f = dn
		}
		files = append(files, f.Fd())
	}
	for i, f := range cmd.ExtraFiles {
		if f == nil {
			sa.release()
			return nil, invalid("spawn: Cmd.ExtraFiles[%d] is nil", i)
		}
		files = append(files, f.Fd())
	}
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	sa.files = files
	sa.attr = syscall.ProcAttr{Dir: cmd.Dir, Env: env, Files: files, Sys: cmd.SysProcAttr}
	sa.pidfd = -1
	if plan.ctty >= 0 {
		if err := sa.controllingTerminal(plan.ctty); err != nil {
			sa.release()
			return nil, err
		}
	}
	return sa, nil
}

// ownSys returns the SysProcAttr the spawn may write: a copy of the
// caller's, made on first use.
func (sa *spawnAttr) ownSys() *syscall.SysProcAttr {
	if !sa.sysMine {
		if sa.attr.Sys != nil {
			sa.sys = *sa.attr.Sys
		}
		sa.attr.Sys, sa.sysMine = &sa.sys, true
	}
	return &sa.sys
}

// release drops every reference to the caller's data and returns sa to
// the pool.
func (sa *spawnAttr) release() {
	clear(sa.files)
	if cap(sa.files) > 64 {
		sa.files = nil
	}
	sa.files = sa.files[:0]
	sa.attr, sa.sys, sa.sysMine, sa.extra = syscall.ProcAttr{}, syscall.SysProcAttr{}, false, spawnExtra{}
	spawnAttrs.Put(sa)
}
