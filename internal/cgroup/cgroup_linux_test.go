package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// settle bounds every wait for the kernel in these tests (processes to die
// and leave their cgroup, init to reap orphans): generous, for slow and
// loaded machines; a wait that passes returns as soon as its condition
// holds.
const settle = 10 * time.Second

// ourCgroup2 is the test process's cgroup2 directory, or the test skips.
func ourCgroup2(t *testing.T) string {
	t.Helper()
	dir, err := Probe()
	if err != nil {
		t.Skipf("needs a cgroup2 hierarchy: %v", err)
	}
	return dir
}

// newGroup makes a group in the test process's cgroup, closed (and checked
// gone) when the test ends, or the test skips.
func newGroup(t *testing.T) *Group {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: cgroups are made in the process's own cgroup")
	}
	dir := ourCgroup2(t)
	if err := Check(dir); err != nil {
		t.Skipf("needs a cgroup2 directory with cgroup.kill: %v", err)
	}
	g, err := NewGroup(dir)
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
		t.Skipf("needs a writable cgroup2 directory: %v", err)
	}
	require.NoError(t, err)
	t.Cleanup(func() {
		assert.NoError(t, g.Close())
		assert.NoDirExists(t, g.Dir())
	})
	return g
}

// newCell makes a cell in a new group.
func newCell(t *testing.T) *Cell {
	t.Helper()
	c, err := newGroup(t).NewCell()
	require.NoError(t, err)
	return c
}

// into makes cmd spawn straight into cell c.
func into(cmd *exec.Cmd, c *Cell) *exec.Cmd {
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: c.FD()}
	return cmd
}

// eventually polls cond until it holds or settle passes.
func eventually(t *testing.T, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(settle)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: "+format, append([]any{settle}, args...)...)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitEmpty waits until c has no process left.
func waitEmpty(t *testing.T, c *Cell) {
	t.Helper()
	eventually(t, func() bool {
		populated, err := c.Populated()
		require.NoError(t, err)
		return !populated
	}, "%s still populated", c.Dir())
}

// removeSoon removes c, trying again while it is busy.
func removeSoon(t *testing.T, c *Cell) {
	t.Helper()
	var err error
	eventually(t, func() bool {
		err = c.Remove()
		if !errors.Is(err, syscall.EBUSY) {
			require.NoError(t, err)
			return true
		}
		return false
	}, "Remove: %v", &err)
}

// waitSleeps waits until n processes running sleep(1) are in cell c, and
// returns all the pids in the cell then.
func waitSleeps(t *testing.T, c *Cell, n int) []int {
	t.Helper()
	var pids []int
	eventually(t, func() bool {
		var err error
		pids, err = c.Procs()
		require.NoError(t, err)
		sleeps := 0
		for _, pid := range pids {
			if st, err := testutil.ReadProcStat(pid); err == nil && st.Comm == "sleep" {
				sleeps++
			}
		}
		return sleeps == n
	}, "%d sleeps in %s", n, c.Dir())
	return pids
}

// unifiedLine is the "0::" line of /proc/PID/cgroup.
func unifiedLine(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	require.NoError(t, err)
	for line := range strings.Lines(string(b)) {
		if strings.HasPrefix(line, "0::") {
			return strings.TrimSpace(line)
		}
	}
	t.Fatalf("no 0:: line in /proc/%d/cgroup: %q", pid, b)
	return ""
}

func TestProbeFindsOurCgroup(t *testing.T) {
	dir := ourCgroup2(t)
	require.NoError(t, Check(dir))
	procs, err := os.ReadFile(dir + "/cgroup.procs")
	require.NoError(t, err)
	assert.Contains(t, strings.Fields(string(procs)), strconv.Itoa(os.Getpid()), "%s/cgroup.procs lists us", dir)
	if cg := strings.TrimPrefix(unifiedLine(t, os.Getpid()), "0::"); cg != "/" {
		assert.True(t, strings.HasSuffix(dir, cg), "%s ends with our cgroup path %s", dir, cg)
	}

	d, err := Detect()
	require.NoError(t, err)
	assert.Equal(t, dir, d)
}

func TestMountinfoPath(t *testing.T) {
	sample := filepath.Join(t.TempDir(), "mountinfo")
	require.NoError(t, os.WriteFile(sample, []byte(v1Mountinfo), 0o644))
	old := MountinfoPath
	MountinfoPath = sample
	t.Cleanup(func() { MountinfoPath = old })
	_, err := Probe()
	assert.ErrorIs(t, err, errors.ErrUnsupported)
	assert.ErrorContains(t, err, sample)

	MountinfoPath = filepath.Join(t.TempDir(), "missing")
	_, err = Probe()
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestCheck(t *testing.T) {
	err := Check(os.TempDir())
	assert.ErrorIs(t, err, os.ErrInvalid)
	assert.ErrorContains(t, err, os.TempDir())

	missing := filepath.Join(t.TempDir(), "missing")
	err = Check(missing)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.ErrorContains(t, err, missing)

	dir := ourCgroup2(t)
	assert.NoError(t, Check(dir))
	err = Check(dir + "/cgroup.procs")
	assert.ErrorIs(t, err, os.ErrInvalid, "a file of cgroupfs is no cgroup")
}

func TestCheckGroup(t *testing.T) {
	g := newGroup(t)
	assert.NoError(t, Check(g.Dir()), "a non-root cgroup, which has cgroup.kill")
	assert.True(t, strings.HasPrefix(filepath.Base(g.Dir()), "childloop."+strconv.Itoa(os.Getpid())+"."), g.Dir())
	g2 := newGroup(t)
	assert.NotEqual(t, g.Dir(), g2.Dir())
}

// TestCellSpawn: a child spawned with the cell's descriptor starts in the
// cell (its own /proc/self/cgroup says so) and inherits none of the
// package's descriptors.
func TestCellSpawn(t *testing.T) {
	ours, err := testutil.InheritableFDs() // before the package opens anything: what our own parent gave us
	require.NoError(t, err)
	c := newCell(t)
	out, err := into(exec.Command("cat", "/proc/self/cgroup"), c).Output()
	require.NoError(t, err)
	var line string
	for l := range strings.Lines(string(out)) {
		if strings.HasPrefix(l, "0::") {
			line = strings.TrimSpace(l)
		}
	}
	require.NotEmpty(t, line, "%q", out)
	assert.True(t, strings.HasSuffix(c.Dir(), strings.TrimPrefix(line, "0::")), "child in %s, cell %s", line, c.Dir())
	assert.True(t, strings.HasSuffix(line, "/"+filepath.Base(filepath.Dir(c.Dir()))+"/"+filepath.Base(c.Dir())), line)

	events, err := c.EventsFD()
	require.NoError(t, err)
	out, err = into(testutil.HelperCommand(t, "fds"), c).Output()
	require.NoError(t, err)
	want := []int{0, 1, 2}
	for _, fd := range ours {
		if fd > 2 {
			want = append(want, fd)
		}
	}
	assert.Equal(t, fmt.Sprint(want)+"\n", string(out), "the child inherits stdio and what we inherited, not the cell's %d and %d", c.FD(), events)
	removeSoon(t, c)
	assert.NoDirExists(t, c.Dir())
}

// TestTreeKill: cgroup.kill ends a whole tree, a setsid'd grandchild
// included, and the cell can then be removed.
func TestTreeKill(t *testing.T) {
	c := newCell(t)
	cmd := into(exec.Command("sh", "-c", "sleep 30 & setsid sleep 30 & wait"), c)
	require.NoError(t, cmd.Start())
	sh := cmd.Process.Pid
	pids := waitSleeps(t, c, 2)
	assert.Len(t, pids, 3)
	assert.Contains(t, pids, sh)
	sessions := map[int]bool{}
	for _, pid := range pids {
		st, err := testutil.ReadProcStat(pid)
		require.NoError(t, err)
		sessions[st.Session] = true
	}
	assert.Len(t, sessions, 2, "one sleep has a session of its own")

	require.NoError(t, c.Kill())
	err := cmd.Wait()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, syscall.SIGKILL, exit.Sys().(syscall.WaitStatus).Signal())
	t0 := time.Now()
	waitEmpty(t, c)
	t.Logf("empty after %v", time.Since(t0))
	for _, pid := range pids {
		eventually(t, func() bool {
			_, err := testutil.ReadProcStat(pid)
			return errors.Is(err, fs.ErrNotExist)
		}, "process %d still exists", pid)
	}
	t.Logf("reaped by init after %v", time.Since(t0))
	removeSoon(t, c)
	assert.NoDirExists(t, c.Dir())
	assert.Equal(t, -1, c.FD())
	assert.NoError(t, c.Remove(), "again")
	assert.ErrorIs(t, c.Kill(), fs.ErrClosed)
	_, err = c.Populated()
	assert.ErrorIs(t, err, fs.ErrClosed)
	_, err = c.Procs()
	assert.ErrorIs(t, err, fs.ErrClosed)
	_, err = c.Usage()
	assert.ErrorIs(t, err, fs.ErrClosed)
	_, err = c.EventsFD()
	assert.ErrorIs(t, err, fs.ErrClosed)
	assert.ErrorIs(t, c.Signal(syscall.SIGTERM), fs.ErrClosed)
}

// TestSignal: SIGTERM through the cell reaches a setsid'd grandchild, which
// a signal to the child's process group would miss.
func TestSignal(t *testing.T) {
	c := newCell(t)
	cmd := into(exec.Command("sh", "-c", "setsid sleep 30 & wait"), c)
	require.NoError(t, cmd.Start())
	var pids []int
	eventually(t, func() bool {
		var err error
		pids, err = c.Procs()
		require.NoError(t, err)
		for _, pid := range pids {
			if st, err := testutil.ReadProcStat(pid); err == nil && st.Comm == "sleep" && st.Session == pid {
				return len(pids) == 2
			}
		}
		return false
	}, "the shell and its setsid'd sleep in the cell: %v", &pids)

	require.NoError(t, c.Signal(syscall.SIGTERM))
	err := cmd.Wait()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, syscall.SIGTERM, exit.Sys().(syscall.WaitStatus).Signal())
	waitEmpty(t, c) // without the signal, the sleep would stay for 30 s
	assert.NoError(t, c.Signal(syscall.SIGTERM), "an empty cell")
	removeSoon(t, c)
}

// TestUsage: the cell's CPU time is the tree's, a grandchild's that nobody
// waits for included.
func TestUsage(t *testing.T) {
	const burn = 200 * time.Millisecond
	t.Run("child", func(t *testing.T) {
		c := newCell(t)
		cmd := into(testutil.HelperCommand(t, "burn", burn.String()), c)
		require.NoError(t, cmd.Run())
		waitEmpty(t, c)
		u, err := c.Usage()
		require.NoError(t, err)
		t.Logf("%+v; the child's own rusage: user %v system %v", u, cmd.ProcessState.UserTime(), cmd.ProcessState.SystemTime())
		assert.GreaterOrEqual(t, u.CPU, 150*time.Millisecond)
		assert.GreaterOrEqual(t, u.CPU, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime()-10*time.Millisecond)
		assert.InDelta(t, u.CPU, u.User+u.System, float64(20*time.Millisecond), "usage = user + system (each rounded on its own)")
		checkMemoryPeak(t, c, u)
		removeSoon(t, c)
	})
	t.Run("orphan grandchild", func(t *testing.T) {
		c := newCell(t)
		cmd := into(testutil.HelperCommand(t, "orphan-burn", burn.String()), c)
		out, err := cmd.Output()
		require.NoError(t, err)
		grandchild, err := strconv.Atoi(strings.TrimSpace(string(out)))
		require.NoError(t, err, "%q", out)
		assert.Less(t, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime(), 100*time.Millisecond, "the child itself did not burn")
		waitEmpty(t, c) // the grandchild burnt and exited; init reaps it
		u, err := c.Usage()
		require.NoError(t, err)
		t.Logf("grandchild %d: %+v", grandchild, u)
		assert.GreaterOrEqual(t, u.CPU, 150*time.Millisecond)
		removeSoon(t, c)
	})
}

// checkMemoryPeak: Usage's MemoryPeak is memory.peak when the cell has one
// (the memory controller is enabled for the group) and -1 otherwise.
func checkMemoryPeak(t *testing.T, c *Cell, u Usage) {
	t.Helper()
	b, err := os.ReadFile(c.Dir() + "/memory.peak")
	if errors.Is(err, fs.ErrNotExist) {
		assert.EqualValues(t, -1, u.MemoryPeak)
		t.Log("no memory.peak: the memory controller is not available to the group")
		return
	}
	require.NoError(t, err)
	want, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	require.NoError(t, err)
	assert.Equal(t, want, u.MemoryPeak)
	assert.Positive(t, u.MemoryPeak)
}

// TestMemoryController: the group enables memory for its cells exactly
// when it has the controller.
func TestMemoryController(t *testing.T) {
	g := newGroup(t)
	controllers, err := os.ReadFile(g.Dir() + "/cgroup.controllers")
	require.NoError(t, err)
	subtree, err := os.ReadFile(g.Dir() + "/cgroup.subtree_control")
	require.NoError(t, err)
	has := slices.Contains(strings.Fields(string(controllers)), "memory")
	assert.Equal(t, has, slices.Contains(strings.Fields(string(subtree)), "memory"), "controllers %q, subtree_control %q", controllers, subtree)
	c, err := g.NewCell()
	require.NoError(t, err)
	u, err := c.Usage()
	require.NoError(t, err)
	assert.Zero(t, u.CPU, "a new cell has used nothing")
	if has {
		assert.GreaterOrEqual(t, u.MemoryPeak, int64(0))
	} else {
		assert.EqualValues(t, -1, u.MemoryPeak)
	}
}

// TestRemoveBusy: Remove of a cell with a process says EBUSY and leaves
// the cell usable.
func TestRemoveBusy(t *testing.T) {
	c := newCell(t)
	cmd := into(exec.Command("sleep", "30"), c)
	require.NoError(t, cmd.Start())
	err := c.Remove()
	require.ErrorIs(t, err, syscall.EBUSY)
	assert.ErrorContains(t, err, c.Dir())
	assert.DirExists(t, c.Dir())
	assert.GreaterOrEqual(t, c.FD(), 0)
	populated, err := c.Populated()
	require.NoError(t, err)
	assert.True(t, populated)
	require.NoError(t, c.Kill())
	assert.Error(t, cmd.Wait())
	removeSoon(t, c)
}

// TestZombie: a child that has exited but is not yet reaped has left its
// cell: the cell is not populated and can be removed while the zombie
// remains.
func TestZombie(t *testing.T) {
	c := newCell(t)
	pid, err := syscall.ForkExec("/bin/sleep", []string{"sleep", "30"}, &syscall.ProcAttr{
		Sys: &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: c.FD()},
	})
	require.NoError(t, err)
	reaped := false
	t.Cleanup(func() {
		if !reaped {
			syscall.Kill(pid, syscall.SIGKILL)
			testutil.Reap(pid)
		}
	})
	require.NoError(t, c.Kill())
	require.NoError(t, testutil.WaitExited(pid))
	waitEmpty(t, c)
	require.NoError(t, c.Remove())
	st, err := testutil.ReadProcStat(pid)
	require.NoError(t, err)
	assert.True(t, st.Zombie(), "still a zombie after Remove: %v", st)
	ws, err := testutil.Reap(pid)
	reaped = true
	require.NoError(t, err)
	assert.Equal(t, syscall.SIGKILL, ws.Signal())
}

// TestNested: cgroups a child makes inside its cell are killed and removed
// with it.
func TestNested(t *testing.T) {
	c := newCell(t)
	sub := c.Dir() + "/inner/deeper"
	require.NoError(t, os.MkdirAll(sub, 0o755))
	fd, err := unix.Open(sub, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	require.NoError(t, err)
	cmd := exec.Command("sleep", "30")
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	err = cmd.Start()
	unix.Close(fd)
	require.NoError(t, err)
	pids, err := c.Procs()
	require.NoError(t, err)
	assert.Empty(t, pids, "cgroup.procs lists the cell's own processes only")
	populated, err := c.Populated()
	require.NoError(t, err)
	assert.True(t, populated, "populated counts the cgroups below")

	require.NoError(t, c.Kill())
	assert.Error(t, cmd.Wait())
	removeSoon(t, c)
	assert.NoDirExists(t, c.Dir())
}

// TestEventsFD: the events descriptor polls as POLLPRI when the cell
// empties, and Populated re-arms it.
func TestEventsFD(t *testing.T) {
	c := newCell(t)
	fd, err := c.EventsFD()
	require.NoError(t, err)
	again, err := c.EventsFD()
	require.NoError(t, err)
	assert.Equal(t, fd, again, "opened once")
	ready := func(timeout time.Duration) bool {
		t.Helper()
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLPRI}}
		for {
			n, err := unix.Poll(fds, int(timeout/time.Millisecond))
			if err == unix.EINTR {
				continue
			}
			require.NoError(t, err)
			return n == 1 && fds[0].Revents&unix.POLLPRI != 0
		}
	}
	assert.False(t, ready(0), "nothing changed since it was opened")

	cmd := into(exec.Command("cat"), c)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	assert.True(t, ready(settle), "populated")
	populated, err := c.Populated()
	require.NoError(t, err)
	assert.True(t, populated)
	assert.False(t, ready(0), "re-armed by the read")

	require.NoError(t, stdin.Close())
	require.NoError(t, cmd.Wait())
	assert.True(t, ready(settle), "emptied")
	populated, err = c.Populated()
	require.NoError(t, err)
	assert.False(t, populated)
	assert.False(t, ready(0))
	removeSoon(t, c)
}

// TestNewGroupReadOnly: mkdir on a read-only cgroup2 mount fails with an
// error the caller can recognise to fall back. The mount is made in a
// helper with a mount namespace of its own, where no other process (a
// test of another package probing for cgroup2 meanwhile) can see it.
func TestNewGroupReadOnly(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount cgroup2")
	}
	ourCgroup2(t)
	cmd := testutil.HelperCommand(t, "ro-group", t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState != nil && cmd.ProcessState.ExitCode() == 3 {
		t.Skipf("needs a read-only cgroup2 mount: %s", out)
	}
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "erofs=true permission=false", "%s", out)
	assert.Contains(t, string(out), "mkdir", "%s", out)
}

// TestGroupClose: Close kills what still runs in its cells, and in a
// cgroup below the group that it did not make, and removes everything; a
// second Close does nothing; no cell can be made after.
func TestGroupClose(t *testing.T) {
	g := newGroup(t)
	busy, err := g.NewCell()
	require.NoError(t, err)
	idle, err := g.NewCell()
	require.NoError(t, err)
	removed, err := g.NewCell()
	require.NoError(t, err)
	require.NoError(t, removed.Remove())
	_, err = busy.EventsFD()
	require.NoError(t, err)
	cmd := into(exec.Command("sh", "-c", "setsid sleep 30 & sleep 30"), busy)
	require.NoError(t, cmd.Start())
	waitSleeps(t, busy, 2)
	stray := startIn(t, g.Dir()+"/stray/deeper")

	require.NoError(t, g.Close())
	assert.NoDirExists(t, g.Dir())
	assert.Equal(t, -1, busy.FD())
	assert.Equal(t, -1, idle.FD())
	for _, cmd := range []*exec.Cmd{cmd, stray} {
		err = cmd.Wait()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit)
		assert.Equal(t, syscall.SIGKILL, exit.Sys().(syscall.WaitStatus).Signal())
	}
	assert.NoError(t, g.Close(), "again")
	_, err = g.NewCell()
	assert.ErrorIs(t, err, fs.ErrClosed)
	assert.NoError(t, idle.Remove())
}

// startIn makes cgroup dir (and its parents) and starts a sleep in it.
func startIn(t *testing.T, dir string) *exec.Cmd {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	require.NoError(t, err)
	defer unix.Close(fd)
	cmd := exec.Command("sleep", "30")
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	require.NoError(t, cmd.Start())
	return cmd
}

// TestGroupCloseReports: what Close cannot remove is reported, and a later
// Close tries again. A mount on a cell's directory makes rmdir fail with
// EBUSY for certain.
func TestGroupCloseReports(t *testing.T) {
	g := newGroup(t)
	c, err := g.NewCell()
	require.NoError(t, err)
	other, err := g.NewCell()
	require.NoError(t, err)
	if err := unix.Mount("none", c.Dir(), "tmpfs", 0, "size=4k"); err != nil {
		t.Skipf("needs a mount on a cgroup directory: %v", err)
	}
	mounted := true
	t.Cleanup(func() {
		if mounted {
			unix.Unmount(c.Dir(), unix.MNT_DETACH)
		}
	})
	old := closeWait
	closeWait = 10 * time.Millisecond
	t.Cleanup(func() { closeWait = old })

	err = g.Close()
	require.ErrorIs(t, err, syscall.EBUSY)
	assert.ErrorContains(t, err, c.Dir())
	assert.NoDirExists(t, other.Dir(), "the other cell went")
	assert.GreaterOrEqual(t, c.FD(), 0, "the cell stays as it was")
	assert.DirExists(t, g.Dir())
	_, err = g.NewCell()
	assert.ErrorIs(t, err, fs.ErrClosed)

	require.NoError(t, unix.Unmount(c.Dir(), 0))
	mounted = false
	require.NoError(t, g.Close(), "what was left")
	assert.NoDirExists(t, g.Dir())
	assert.Equal(t, -1, c.FD())
}

// TestNoFDLeak: the package's descriptors are all closed by Remove and
// Close.
func TestNoFDLeak(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: cgroups are made in the process's own cgroup")
	}
	testutil.CheckFDLeak(t)
	g := newGroup(t)
	var cells []*Cell
	for range 5 {
		c, err := g.NewCell()
		require.NoError(t, err)
		_, err = c.EventsFD()
		require.NoError(t, err)
		cells = append(cells, c)
	}
	require.NoError(t, into(exec.Command("true"), cells[0]).Run())
	_, err := cells[0].Usage()
	require.NoError(t, err)
	require.NoError(t, cells[0].Signal(syscall.SIGTERM))
	_, err = cells[0].Procs()
	require.NoError(t, err)
	removeSoon(t, cells[0])
	require.NoError(t, cells[1].Remove())
	// cells[2:] are left to Close, which the cleanup of newGroup runs
	// before CheckFDLeak's (cleanups run last first).
}

// TestAllocations: the calls made per child exit allocate little.
func TestAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	c := newCell(t)
	for name, f := range map[string]func(){
		"Populated": func() { _, _ = c.Populated() },
		"Usage":     func() { _, _ = c.Usage() },
		"Kill":      func() { _ = c.Kill() },
		"Signal":    func() { _ = c.Signal(0) },
	} {
		allocs := testing.AllocsPerRun(100, f)
		t.Logf("%s: %v allocations", name, allocs)
		assert.LessOrEqual(t, allocs, 1.0, name+": only openat's copy of the file name")
	}
}
