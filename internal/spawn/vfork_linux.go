//go:build linux && (amd64 || arm64)

package spawn

import (
	"errors"
	"os"
	"reflect"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// program is everything the child needs, prepared by the parent (in a
// pooled scratch; the probe's may live on the parent's stack). The child shares the parent's memory
// (CLONE_VM) while the parent is suspended (CLONE_VFORK), so it reads this
// directly and reports a failure by writing errno and stage before it exits.
type program struct {
	path    *byte  // NUL-terminated executable path
	argv    **byte // nil-terminated
	envv    **byte // nil-terminated
	dir     *byte  // NUL-terminated, or nil
	fds     []int  // fds[i] becomes fd i; -1 closes i (other negatives fail with EBADF, as in syscall.ForkExec); rewritten by the child
	setsid  bool
	setctty bool // make fd ctty (a child fd) the controlling terminal
	ctty    int
	setpgid bool
	pgid    int
	cred    bool // set the ids below
	setgrps bool // also setgroups(ngroups, groups)
	uid     uint32
	gid     uint32
	groups  *uint32 // first of ngroups supplementary groups, or nil
	ngroups int
	pdeath  syscall.Signal // parent-death signal, or 0
	ppid    int            // the parent's pid, to notice it already died
	probe   bool           // only report probeMark and exit (see sharesMemory)
	yield   bool           // give up the P for the clone (ForkExecYielding)
	hold    *[3]uint32     // tests only: testHold
	nofile  nofilePlan     // the RLIMIT_NOFILE to set, as syscall.ForkExec would
	pidfd   int32          // CLONE_PIDFD stores the pidfd here
	cgroup  int            // with clone3: the cgroup to start in (CLONE_INTO_CGROUP), or -1
	cargs   cloneArgs      // clone3's arguments, filled in by vforkRun
	unshare int            // with CLONE_FILES: keep a private copy of the fds below this
	noRange bool           // written by a child that found no close_range unshare
	errno   uintptr        // written by a failing child
	stage   stage          // written by a failing child
}

// stage names the call that failed in the child.
type stage uint8

const (
	stageNone stage = iota
	stageSetsid
	stageSetpgid
	stageSetgroups
	stageSetgid
	stageSetuid
	stagePrctl
	stageChdir
	stageFcntl
	stageDup3
	stageExecve
	stageIoctl
	stageUnshare
	stageHold // tests only (testHold)
)

var stageNames = [...]string{"", "setsid", "setpgid", "setgroups", "setgid", "setuid", "prctl", "chdir", "fcntl", "dup3", "execve", "ioctl", "unshare", "hold"}

func (s stage) String() string { return stageNames[s] }

const cloneFlags = syscall.CLONE_VM | syscall.CLONE_VFORK | uintptr(syscall.SIGCHLD)

// fastEligible reports whether the vfork path can honour attr exactly,
// and the RLIMIT_NOFILE the child must be given (nofileFor).
func fastEligible(attr *syscall.ProcAttr) (nofilePlan, bool) {
	if !sharesMemory() {
		return nofilePlan{}, false
	}
	if sys := attr.Sys; sys != nil {
		v := reflect.ValueOf(sys).Elem()
		for i := range v.NumField() {
			if !handled[i] && !v.Field(i).IsZero() {
				return nofilePlan{}, false
			}
		}
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nofilePlan{}, false
	}
	child, set, ok := nofileFor(lim)
	return nofilePlan{lim: child, set: set}, ok
}

// handled marks the SysProcAttr fields the vfork child implements, by
// field index; any other field set sends the spawn to syscall.ForkExec,
// including fields a later Go release adds. Looking fields up by index
// rather than copying the struct keeps the check allocation-free.
var handled = func() []bool {
	t := reflect.TypeFor[syscall.SysProcAttr]()
	h := make([]bool, t.NumField())
	for i := range h {
		switch t.Field(i).Name {
		case "Setsid", "Setpgid", "Pgid", "Credential", "Pdeathsig", "PidFD", "Setctty", "Ctty", "UseCgroupFD", "CgroupFD":
			h[i] = true
		}
	}
	return h
}()

// errCtty is the error for a Ctty that is not an fd of the child, which
// syscall.ForkExec refuses too.
var errCtty = errors.New("spawn: SysProcAttr.Setctty set, but Ctty is not an fd of the child")

// probeMark is what a probing child writes into the shared record.
const probeMark = syscall.Errno(0x5ea1ed)

// sharesMemory reports whether a CLONE_VM|CLONE_VFORK child really shares
// the parent's memory. User-mode emulators such as qemu-user turn vfork into
// fork, so the child's error record would never reach the parent. The probe
// child has no exit signal, so it is invisible to wait4(-1) without __WALL
// (other reapers in the process, os/exec's waits) and raises no SIGCHLD.
// A definite answer is kept for the life of the process; a probe that could
// not run (clone failing with EAGAIN, say) answers false for this call only.
func sharesMemory() bool {
	if v := probed.Load(); v != 0 {
		return v == probeYes
	}
	probeMu.Lock()
	defer probeMu.Unlock()
	if v := probed.Load(); v != 0 {
		return v == probeYes
	}
	p := &program{probe: true, pidfd: -1}
	gate.acquire()
	pid, errno := vforkRun(p, syscall.CLONE_VM|syscall.CLONE_VFORK)
	gate.release()
	if errno != 0 {
		return false
	}
	ws := reap(int(pid), syscall.WALL)
	switch {
	case p.errno == uintptr(probeMark):
		probed.Store(probeYes)
	case ws.Exited() && ws.ExitStatus() == 127:
		// The child ran to its exit, but its record stayed in its own copy.
		probed.Store(probeNo)
	}
	return p.errno == uintptr(probeMark)
}

// Probe outcomes kept in probed (zero: not known yet).
const (
	probeYes int32 = 1 + iota
	probeNo
)

var (
	probeMu sync.Mutex
	probed  atomic.Int32
)

func vforkExec(argv0 string, argv []string, attr *syscall.ProcAttr, nofile nofilePlan, yield bool) (int, error) {
	sc := scratches.Get().(*scratch)
	defer sc.release()
	if err := sc.prepare(argv0, argv, attr); err != nil {
		return 0, err
	}
	p := &sc.p
	p.pidfd = -1
	p.cgroup = -1
	p.nofile = nofile
	p.yield = yield
	p.hold = testHold
	flags := cloneFlags
	sys := attr.Sys
	if sys != nil {
		if sys.Setctty && sys.Ctty >= len(attr.Files) {
			return 0, errCtty
		}
		p.setctty, p.ctty = sys.Setctty, sys.Ctty
		p.setsid, p.setpgid, p.pgid = sys.Setsid, sys.Setpgid, sys.Pgid
		if cr := sys.Credential; cr != nil {
			p.cred, p.uid, p.gid, p.setgrps = true, cr.Uid, cr.Gid, !cr.NoSetGroups
			if len(cr.Groups) > 0 {
				p.groups, p.ngroups = &cr.Groups[0], len(cr.Groups)
			}
		}
		if sys.Pdeathsig != 0 {
			p.pdeath, p.ppid = sys.Pdeathsig, os.Getpid()
		}
		if sys.PidFD != nil {
			flags |= syscall.CLONE_PIDFD
		}
		if sys.UseCgroupFD {
			flags |= cloneIntoCgroup
			p.cgroup = sys.CgroupFD
		}
	}
	if filesShared.Load() {
		flags |= syscall.CLONE_FILES
		p.unshare = unshareFrom(attr.Files)
	}

	gate.acquire()
	pid, errno := vforkRun(p, flags)
	gate.release()
	if p.noRange {
		filesShared.Store(false)
	}
	// The child read sc until it exec'd or exited; the parent was
	// suspended until then, so it only needs to live this long (the
	// deferred release).

	if errno != 0 {
		clearPidfd(sys)
		call := "clone"
		if flags&cloneIntoCgroup != 0 {
			call = "clone3"
		}
		return 0, os.NewSyscallError(call, syscall.Errno(errno))
	}
	if p.errno != 0 {
		reap(int(pid), 0)
		if p.pidfd >= 0 {
			syscall.Close(int(p.pidfd))
		}
		clearPidfd(sys)
		return 0, os.NewSyscallError(p.stage.String(), syscall.Errno(p.errno))
	}
	if sys != nil && sys.PidFD != nil {
		*sys.PidFD = highFD(int(p.pidfd))
	}
	return int(pid), nil
}

// clearPidfd reports "no pidfd" after a failed spawn, as syscall.ForkExec
// does (os.StartProcess starts *PidFD at 0, so leaving it would name stdin).
func clearPidfd(sys *syscall.SysProcAttr) {
	if sys != nil && sys.PidFD != nil {
		*sys.PidFD = -1
	}
}

// reap waits for a child that has exited or is about to (a failed spawn or
// the probe), so that it leaves no zombie, and returns its status.
func reap(pid, options int) syscall.WaitStatus {
	var ws syscall.WaitStatus
	for {
		if _, err := syscall.Wait4(pid, &ws, options, nil); err != syscall.EINTR {
			return ws
		}
	}
}

// vforkSyscall is the system call trap(a1, a2, a3, 0, 0) in assembly,
// safe to return from in both the child of a vfork clone and, later, the
// parent (see the .s files).
func vforkSyscall(trap, a1, a2, a3 uintptr) (r1, errno uintptr)

// sysClone3 is clone3's number, the same on amd64 and arm64.
const sysClone3 = 435

// cloneArgs is the kernel's struct clone_args up to cgroup (Linux 5.7).
type cloneArgs struct {
	flags      uint64
	pidfd      uint64 // where CLONE_PIDFD stores the pidfd
	childTID   uint64
	parentTID  uint64
	exitSignal uint64
	stack      uint64
	stackSize  uint64
	tls        uint64
	setTID     uint64
	setTIDSize uint64
	cgroup     uint64
}

// cloneIntoCgroup is CLONE_INTO_CGROUP, a clone3-only flag: the child
// starts in the cgroup of the directory fd cloneArgs.cgroup, as
// SysProcAttr.UseCgroupFD asks. Only clone3 takes it, which is why such a
// spawn clones with clone3.
const cloneIntoCgroup = 0x200000000

// vforkRun clones; the child runs p and never returns. The child writes to
// this frame (its copy of the results) before the parent resumes and
// overwrites them with its own, so nothing else is kept here across the
// clone.
//
// p may live on the caller's stack, so the address CLONE_PIDFD writes to is
// taken only here, after BeforeFork: from then on the stack cannot grow or
// be moved until the kernel has written it.
//
// With p.yield the goroutine enters a blocking system call first, giving
// up its P, and exits it last. The order matters: BeforeFork and AfterFork
// both run on this thread inside the system call (no scheduling happens in
// between), so the signal mask is restored before exitsyscall may move the
// goroutine to another thread. The garbage collector may scan this stack
// meanwhile, from this frame up; the child writes only non-pointer results
// into this frame and runs its calls below it, where nothing is scanned.
// entersyscallblock also makes any stack growth fatal until exitsyscall.
//
//go:norace
//go:noinline
func vforkRun(p *program, flags uintptr) (pid, errno uintptr) {
	yield := p.yield
	if yield {
		entersyscallblock()
	}
	BeforeFork()
	var ptid uintptr
	if flags&syscall.CLONE_PIDFD != 0 {
		ptid = uintptr(unsafe.Pointer(&p.pidfd))
	}
	if flags&cloneIntoCgroup != 0 {
		// clone3 takes the exit signal apart from the flags.
		p.cargs = cloneArgs{flags: uint64(flags &^ 0xff), pidfd: uint64(ptid), exitSignal: uint64(flags & 0xff), cgroup: uint64(p.cgroup)}
		pid, errno = vforkSyscall(sysClone3, uintptr(unsafe.Pointer(&p.cargs)), unsafe.Sizeof(p.cargs), 0)
	} else {
		pid, errno = vforkSyscall(syscall.SYS_CLONE, flags, 0, ptid)
	}
	if errno == 0 && pid == 0 {
		runChild(p)
	}
	AfterFork()
	if yield {
		exitsyscall()
	}
	return pid, errno
}

// runChild is the child's life until execve. It runs on the parent's stack
// with signals blocked and stack growth disabled, so it calls only nosplit
// functions and raw system calls, allocates nothing and stores no pointers
// (no write barriers). One exception is outside our control: `go test
// -cover` adds atomic counter updates here (they do not lock, and pass).
//
//go:nosplit
//go:norace
func runChild(p *program) {
	AfterForkInChild()
	if p.probe {
		childFail(p, stageNone, probeMark)
	}
	var e syscall.Errno
	if p.hold != nil {
		holdChild(p)
	}
	if p.unshare > 0 {
		// The fd table is the parent's until this returns: nothing
		// before it may open, close or move an fd.
		if _, _, e = syscall.RawSyscall(sysCloseRange, uintptr(p.unshare), ^uintptr(0), closeRangeFlags); e != 0 {
			p.noRange = true
			if _, _, e = syscall.RawSyscall(syscall.SYS_UNSHARE, syscall.CLONE_FILES, 0, 0); e != 0 {
				childFail(p, stageUnshare, e)
			}
		}
	}
	if p.setsid {
		if _, _, e = syscall.RawSyscall(syscall.SYS_SETSID, 0, 0, 0); e != 0 {
			childFail(p, stageSetsid, e)
		}
	}
	if p.setpgid {
		if _, _, e = syscall.RawSyscall(syscall.SYS_SETPGID, 0, uintptr(p.pgid), 0); e != 0 {
			childFail(p, stageSetpgid, e)
		}
	}
	if p.cred {
		// Groups first: after setuid we may no longer be allowed to.
		if p.setgrps {
			if _, _, e = syscall.RawSyscall(syscall.SYS_SETGROUPS, uintptr(p.ngroups), uintptr(unsafe.Pointer(p.groups)), 0); e != 0 {
				childFail(p, stageSetgroups, e)
			}
		}
		if _, _, e = syscall.RawSyscall(syscall.SYS_SETGID, uintptr(p.gid), 0, 0); e != 0 {
			childFail(p, stageSetgid, e)
		}
		if _, _, e = syscall.RawSyscall(syscall.SYS_SETUID, uintptr(p.uid), 0, 0); e != 0 {
			childFail(p, stageSetuid, e)
		}
	}
	if p.dir != nil {
		if _, _, e = syscall.RawSyscall(syscall.SYS_CHDIR, uintptr(unsafe.Pointer(p.dir)), 0, 0); e != 0 {
			childFail(p, stageChdir, e)
		}
	}
	if p.pdeath != 0 {
		if _, _, e = syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(p.pdeath), 0); e != 0 {
			childFail(p, stagePrctl, e)
		}
		// After the id changes, which clear it. It is only armed for a
		// parent that dies from now on; if the parent (thread) died
		// already, deliver it now.
		if ppid, _, _ := syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0); int(ppid) != p.ppid {
			self, _, _ := syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0)
			syscall.RawSyscall(syscall.SYS_KILL, self, uintptr(p.pdeath), 0)
		}
	}
	// First move every source that sits on a target slot of another entry
	// above all targets, so the dup3 pass below never overwrites a source it
	// still needs. The moved copies are close-on-exec.
	n := len(p.fds)
	for i := 0; i < n; i++ {
		fd := p.fds[i]
		if fd >= 0 && fd < n && fd != i {
			var nfd uintptr
			if nfd, _, e = syscall.RawSyscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_DUPFD_CLOEXEC, uintptr(n)); e != 0 {
				childFail(p, stageFcntl, e)
			}
			p.fds[i] = int(nfd)
		}
	}
	for i := 0; i < n; i++ {
		fd := p.fds[i]
		switch {
		case fd == -1:
			syscall.RawSyscall(syscall.SYS_CLOSE, uintptr(i), 0, 0)
		case fd == i:
			// Already in place; it only has to survive exec.
			if _, _, e = syscall.RawSyscall(syscall.SYS_FCNTL, uintptr(i), syscall.F_SETFD, 0); e != 0 {
				childFail(p, stageFcntl, e)
			}
		default:
			if _, _, e = syscall.RawSyscall(syscall.SYS_DUP3, uintptr(fd), uintptr(i), 0); e != 0 {
				childFail(p, stageDup3, e)
			}
		}
	}
	// As syscall.ForkExec does: stdio slots not given are closed.
	for i := n; i < 3; i++ {
		syscall.RawSyscall(syscall.SYS_CLOSE, uintptr(i), 0, 0)
	}
	if p.setctty {
		// After the fds are in place, as syscall.ForkExec does: Ctty is
		// a descriptor number in the child.
		if _, _, e = syscall.RawSyscall(syscall.SYS_IOCTL, uintptr(p.ctty), syscall.TIOCSCTTY, 1); e != 0 {
			childFail(p, stageIoctl, e)
		}
	}
	if p.nofile.set {
		// As syscall.ForkExec: the soft limit from before the Go runtime
		// raised it. A failure is ignored there too.
		syscall.RawSyscall6(syscall.SYS_PRLIMIT64, 0, syscall.RLIMIT_NOFILE, uintptr(unsafe.Pointer(&p.nofile.lim)), 0, 0, 0)
	}
	_, _, e = syscall.RawSyscall(syscall.SYS_EXECVE, uintptr(unsafe.Pointer(p.path)),
		uintptr(unsafe.Pointer(p.argv)), uintptr(unsafe.Pointer(p.envv)))
	childFail(p, stageExecve, e)
}

// testHold, when set by a test, makes every vfork child store 1 in
// testHold[0] and then wait, for at most testHold[2] tenths of a second,
// for the parent to store 1 in testHold[1] and wake it; one that waits in
// vain fails with ETIMEDOUT at stageHold. The parent's forking thread is
// suspended meanwhile, so only another goroutine of the parent can let
// the child go.
var testHold *[3]uint32

// holdChild is the child's side of testHold. Plain stores: the child is not
// race-instrumented, and the futex call orders them.
//
//go:nosplit
//go:norace
func holdChild(p *program) {
	p.hold[0] = 1
	ts := syscall.Timespec{Nsec: 100e6}
	for range p.hold[2] {
		if p.hold[1] != 0 {
			return
		}
		syscall.RawSyscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(&p.hold[1])), futexWaitPrivate, 0, uintptr(unsafe.Pointer(&ts)), 0, 0)
	}
	if p.hold[1] == 0 {
		childFail(p, stageHold, syscall.ETIMEDOUT)
	}
}

// futexWaitPrivate is FUTEX_WAIT|FUTEX_PRIVATE_FLAG: the child shares the
// parent's memory, so a private futex is the same word for both.
const futexWaitPrivate = 0 | 128

// childFail records why the child stops and ends it. The parent reads the
// record after the vfork wake-up, which exit triggers.
//
//go:nosplit
//go:norace
func childFail(p *program, s stage, e syscall.Errno) {
	p.errno = uintptr(e)
	p.stage = s
	for {
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 127, 0, 0)
	}
}
