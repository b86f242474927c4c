package childproc

import "syscall"

// Config says how a context handles children. The zero value is the
// default, right for almost every program: the library watches the
// context's children itself (through pidfds on Linux ≥ 5.4, SIGCHLD
// elsewhere) while it has any, and reaps only the children the context
// spawned or adopted, so os/exec and other libraries in the process keep
// their exit statuses.
//
// The fields map to libxl's SIGCHLD owner modes: the zero Config is
// libxl_sigchld_owner_libxl (whose libxl version reaps every child — ours
// does not: in Go that would steal exec.Cmd.Wait's status), ReapAll is
// libxl_sigchld_owner_libxl_always, KeepSigchld is
// libxl_sigchld_owner_libxl_always_selective_reap, and AppSigchld is
// libxl_sigchld_owner_mainloop.
type Config struct {
	// ReapAll makes the context reap every child of the process, not only
	// its own, and hand the status of each child it did not spawn to
	// OnForeignExit, which is then required. It is for supervisors,
	// container inits and subreapers (prctl PR_SET_CHILD_SUBREAPER), whose
	// orphaned descendants must be reaped by someone. SIGCHLD is handled
	// for the context's whole life. At most one such context may be open in
	// a process (New returns ErrReapAllInUse), and it must not share the
	// process with os/exec or other code that waits for its own children:
	// it would take their statuses.
	ReapAll bool

	// OnForeignExit receives, with ReapAll, the status of each reaped
	// child the context did not spawn or adopt (orphans reparented to a
	// subreaper, children started by other code). It runs on the loop
	// goroutine, like OnExit.
	OnForeignExit func(pid int, st Status)

	// KeepSigchld keeps the context subscribed to SIGCHLD for its whole
	// life rather than only while it has children; it still reaps only its
	// own. Where exits are learnt from SIGCHLD (no pidfds), this saves
	// installing and removing the handler each time the context goes from
	// no children to one, at the price of a wake-up for every SIGCHLD of
	// the process. With pidfd reaping it changes nothing.
	KeepSigchld bool

	// AppSigchld leaves SIGCHLD to the application: the library installs
	// nothing and never waits on its own. When the application sees
	// SIGCHLD it calls the context's SigchldOccurred; or it reaps children
	// itself and reports each status with Reaped. New then accepts a nil
	// OSEvents, for a loop that cannot watch arbitrary fds. Not combinable
	// with ReapAll or KeepSigchld.
	AppSigchld bool

	// Spawn, when not nil, replaces the default spawn (ForkExec) for every
	// child the context spawns. It has syscall.ForkExec's signature and
	// contract: on success the child exists and has exec'd argv0; on
	// failure no child is left behind. The pid must be a direct child of
	// this process, so that the context may reap it. attr, and everything
	// it points to (*attr.Sys.PidFD included), is valid only during the
	// call: the library reuses it for later spawns.
	Spawn func(argv0 string, argv []string, attr *syscall.ProcAttr) (pid int, err error)

	// Tree says how far a stop (Cmd.Timeout, Cmd.Deadline, Cmd.Context,
	// Child.Stop) reaches, and whether a child's descendants end with it;
	// see Tree. The zero value, TreeNone, signals the child alone.
	// Context.Tree reports what the context uses.
	Tree Tree

	// CgroupParent, with TreeAuto or TreeCgroup, is the cgroup v2
	// directory under which the context makes its children's cgroups;
	// empty means the process's own cgroup, found through
	// /proc/self/mountinfo and /proc/self/cgroup. A path that is not a
	// cgroup v2 directory is an error (wrapping os.ErrInvalid) from New.
	CgroupParent string
}

// mode is the validated Config as the one choice the implementation makes.
type mode uint8

const (
	modeOwn     mode = iota // the zero Config: SIGCHLD while children live, own children only
	modeReapAll             // ReapAll
	modeKeep                // KeepSigchld
	modeApp                 // AppSigchld
)

// check validates cfg and reduces it to a mode.
func (cfg *Config) check() (mode, error) {
	switch {
	case cfg.Tree < TreeNone || cfg.Tree > TreeGroup:
		return 0, invalid("Config.Tree %d", int(cfg.Tree))
	case cfg.CgroupParent != "" && cfg.Tree != TreeAuto && cfg.Tree != TreeCgroup:
		return 0, invalid("Config.CgroupParent needs Tree TreeAuto or TreeCgroup")
	case cfg.ReapAll && cfg.OnForeignExit == nil:
		return 0, invalid("Config.ReapAll needs an OnForeignExit callback")
	case !cfg.ReapAll && cfg.OnForeignExit != nil:
		return 0, invalid("Config.OnForeignExit is only called with ReapAll")
	case cfg.AppSigchld && (cfg.ReapAll || cfg.KeepSigchld):
		return 0, invalid("Config.AppSigchld cannot be combined with ReapAll or KeepSigchld")
	case cfg.ReapAll:
		return modeReapAll, nil
	case cfg.KeepSigchld:
		return modeKeep, nil
	case cfg.AppSigchld:
		return modeApp, nil
	}
	return modeOwn, nil
}
