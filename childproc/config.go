package childproc

import (
	"strconv"
	"syscall"
)

// Config says how a parent handles children. The zero value is the
// default, right for almost every program: the library watches the
// parent's children itself (through pidfds on Linux ≥ 5.4, SIGCHLD
// elsewhere) while it has any, and reaps only the children the parent
// spawned or adopted, so os/exec and other libraries in the process keep
// their exit statuses.
type Config struct {
	// Mode says who handles SIGCHLD and which children the parent reaps;
	// see Mode. The zero value is ModeOwn.
	Mode Mode

	// OnForeignExit receives, with ModeReapAll or ModeOrphans, the status
	// of each reaped child the parent did not spawn or adopt (orphans
	// reparented to a subreaper, and with ModeReapAll children started by
	// other code). It runs on the loop goroutine, like OnExit. It is
	// required with those two modes and refused otherwise.
	OnForeignExit func(pid int, st Status)

	// Spawn, when not nil, replaces the default spawn (ForkExec) for every
	// child the parent spawns. It has syscall.ForkExec's signature and
	// contract: on success the child exists and has exec'd argv0; on
	// failure no child is left behind. The pid must be a direct child of
	// this process, so that the parent may reap it. attr, and everything
	// it points to (*attr.Sys.PidFD included), is valid only during the
	// call: the library reuses it for later spawns.
	Spawn func(argv0 string, argv []string, attr *syscall.ProcAttr) (pid int, err error)

	// Tree says how far a stop (Cmd.Timeout, Cmd.Context,
	// Child.Stop) reaches, and whether a child's descendants end with it;
	// see Tree. The zero value, TreeNone, signals the child alone.
	// Parent.Tree reports what the parent uses.
	Tree Tree

	// CgroupParent, with TreeAuto or TreeCgroup, is the cgroup v2
	// directory under which the parent makes its children's cgroups;
	// empty means the process's own cgroup, found through
	// /proc/self/mountinfo and /proc/self/cgroup. A path that is not a
	// cgroup v2 directory is an error (wrapping os.ErrInvalid) from New.
	CgroupParent string
}

// Mode says who handles SIGCHLD and which children a parent reaps. The
// modes are libxl's SIGCHLD owner modes: ModeOwn is
// libxl_sigchld_owner_libxl (whose libxl version reaps every child; ours
// does not, since in Go that would steal exec.Cmd.Wait's status), ModeKeep
// is libxl_sigchld_owner_libxl_always_selective_reap, ModeReapAll is
// libxl_sigchld_owner_libxl_always, and ModeApp is
// libxl_sigchld_owner_mainloop.
type Mode uint8

const (
	// ModeOwn, the default: the library handles SIGCHLD (where it learns
	// of exits from it) while the parent has children, and reaps only
	// the parent's own.
	ModeOwn Mode = iota
	// ModeReapAll reaps every child of the process, not only the
	// parent's, and hands the status of each child it did not spawn to
	// Config.OnForeignExit. It is for supervisors, container inits and
	// subreapers (prctl PR_SET_CHILD_SUBREAPER), whose orphaned
	// descendants must be reaped by someone. SIGCHLD is handled for the
	// parent's whole life. At most one such parent may be open in a
	// process (New returns ErrReapAllInUse), and it must not share the
	// process with os/exec or other code that waits for its own children:
	// it would take their statuses (ModeOrphans does not). It is the
	// cheapest way to reap orphans: one wait4 per exit, no fd, no /proc.
	ModeReapAll
	// ModeKeep is ModeOwn subscribed to SIGCHLD for the parent's whole
	// life rather than only while it has children. Where exits are learnt
	// from SIGCHLD (no pidfds), this saves installing and removing the
	// handler each time the parent goes from no children to one, at the
	// price of a wake-up for every SIGCHLD of the process. With pidfd
	// reaping it changes nothing.
	ModeKeep
	// ModeApp leaves SIGCHLD to the application: the library installs
	// nothing and never waits on its own. When the application sees
	// SIGCHLD it calls the parent's SigchldOccurred; or it reaps children
	// itself and reports each status with Reaped. New then accepts a nil
	// OSEvents, for a loop that cannot watch arbitrary fds.
	ModeApp
	// ModeOrphans is for supervisors and container inits that also run
	// os/exec commands: the parent reaps its own children, as ModeOwn
	// does, and the process's orphans — children nobody in the process
	// is waiting for — handing each orphan's status to
	// Config.OnForeignExit. A child that a pidfd in the process refers
	// to is never reaped: os/exec holds one for each of its children
	// from the clone on, and so does os.FindProcess. Children that other
	// code starts without a pidfd (syscall.ForkExec, cgo) look like
	// orphans: register them with Parent.LeaveAlone. It needs Linux with
	// pidfds and /proc, and a process that orphans reach (PID 1, or a
	// child subreaper: prctl PR_SET_CHILD_SUBREAPER), else New fails.
	// SIGCHLD is handled for the parent's whole life, and at most one
	// ModeReapAll or ModeOrphans parent may be open in a process. Without
	// /proc/self/task/*/children (CONFIG_PROC_CHILDREN), an orphan that
	// exits after a zombie the process is waiting for is reaped only once
	// that zombie is.
	ModeOrphans
)

var modeNames = [...]string{"own", "reapall", "keep", "app", "orphans"}

// String returns "own", "reapall", "keep", "app" or "orphans".
func (m Mode) String() string {
	if int(m) >= len(modeNames) {
		return "Mode(" + strconv.Itoa(int(m)) + ")"
	}
	return modeNames[m]
}

// check validates cfg whole.
func (cfg *Config) check() error {
	switch {
	case cfg.Mode > ModeOrphans:
		return invalid("Config.Mode %d", int(cfg.Mode))
	case cfg.Tree < TreeNone || cfg.Tree > TreeGroup:
		return invalid("Config.Tree %d", int(cfg.Tree))
	case cfg.CgroupParent != "" && cfg.Tree != TreeAuto && cfg.Tree != TreeCgroup:
		return invalid("Config.CgroupParent needs Tree TreeAuto or TreeCgroup")
	case cfg.reapsForeign() && cfg.OnForeignExit == nil:
		return invalid("Config.Mode %v needs an OnForeignExit callback", cfg.Mode)
	case !cfg.reapsForeign() && cfg.OnForeignExit != nil:
		return invalid("Config.OnForeignExit is only called with Mode reapall or orphans")
	}
	return nil
}

// reapsForeign reports whether the mode reaps children the parent did not
// start: one such parent per process.
func (cfg *Config) reapsForeign() bool {
	return cfg.Mode == ModeReapAll || cfg.Mode == ModeOrphans
}
