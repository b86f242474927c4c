//go:build linux

package spawn

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// Every test here reaps what it starts, and a failed spawn must leave no
// zombie: they end with require.NoError(t, testutil.NoChildren()).

// hangGuard bounds waits so that a lost child fails the test instead of
// hanging it; it is not a speed assertion.
const hangGuard = 60 * time.Second

// run spawns with fn, collects the child's stdout and waits for it.
func run(t *testing.T, fn func(string, []string, *syscall.ProcAttr) (int, error), path string, argv []string, attr *syscall.ProcAttr) (string, syscall.WaitStatus) {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	a := *attr
	if len(a.Files) == 0 {
		a.Files = []uintptr{devNull(t).Fd(), w.Fd(), 2}
	} else {
		a.Files = slices.Clone(a.Files)
		a.Files[1] = w.Fd()
	}
	pid, err := fn(path, argv, &a)
	w.Close()
	require.NoError(t, err, "spawn %s", path)
	out, err := io.ReadAll(r)
	require.NoError(t, err)
	return string(out), wait(t, pid)
}

// wait reaps pid.
func wait(t *testing.T, pid int) syscall.WaitStatus {
	t.Helper()
	ws, err := testutil.Reap(pid)
	require.NoError(t, err, "pid %d", pid)
	return ws
}

var devNullOnce = sync.OnceValues(func() (*os.File, error) { return os.Open(os.DevNull) })

func devNull(t *testing.T) *os.File {
	f, err := devNullOnce()
	require.NoError(t, err)
	return f
}

// counted runs f and returns how many spawns took the fast path and how
// many fell back.
func counted(f func()) (fast, slow uint64) {
	f0, s0 := fastSpawns.Load(), fallbacks.Load()
	f()
	return fastSpawns.Load() - f0, fallbacks.Load() - s0
}

// helperAttr starts helper h, with env as the rest of its environment,
// when the test binary (testutil.Executable) is spawned with it.
func helperAttr(t *testing.T, h string, env ...string) *syscall.ProcAttr {
	return &syscall.ProcAttr{Env: append([]string{testutil.HelperEnv(t, h)}, env...)}
}

func TestArgvEnvDir(t *testing.T) {
	needFast(t)
	dir := t.TempDir()
	attr := helperAttr(t, "describe", "A=1", "B=two words")
	attr.Dir = dir
	var out string
	fast, _ := counted(func() {
		out, _ = run(t, ForkExec, testutil.Executable(t), []string{"helper", "x y", ""}, attr)
	})
	require.EqualValues(t, 1, fast, "fast path not taken")
	for _, want := range []string{
		`argv=["x y" ""]`,
		fmt.Sprintf("env=%q", attr.Env),
		"wd=" + dir,
	} {
		assert.Contains(t, out, want+"\n", "child output")
	}
	require.NoError(t, testutil.NoChildren())
}

func TestExecFailures(t *testing.T) {
	needFast(t)
	dir := t.TempDir()
	noexec := filepath.Join(dir, "plain")
	require.NoError(t, os.WriteFile(noexec, []byte("#!/bin/sh\n"), 0o644))
	// A descriptor number nothing holds (a just-closed one could be reused
	// by syscall.ForkExec's own pipe in the parity check).
	const badFD = 900
	_, err := unix.FcntlInt(badFD, unix.F_GETFD, 0)
	require.ErrorIs(t, err, unix.EBADF, "fd %d in use", badFD)
	std := []uintptr{0, 1, 2}
	for _, tc := range []struct {
		name  string
		path  string
		attr  syscall.ProcAttr
		call  string
		errno syscall.Errno
	}{
		{"missing", filepath.Join(dir, "none"), syscall.ProcAttr{Files: std}, "execve", syscall.ENOENT},
		{"not executable", noexec, syscall.ProcAttr{Files: std}, "execve", syscall.EACCES},
		{"directory", dir, syscall.ProcAttr{Files: std}, "execve", syscall.EACCES},
		{"bad dir", "/bin/true", syscall.ProcAttr{Files: std, Dir: filepath.Join(dir, "none")}, "chdir", syscall.ENOENT},
		{"bad fd", "/bin/true", syscall.ProcAttr{Files: []uintptr{0, 1, 2, badFD}}, "dup3", syscall.EBADF},
		{"setpgid", "/bin/true", syscall.ProcAttr{Files: std, Sys: &syscall.SysProcAttr{Setpgid: true, Pgid: 1}}, "setpgid", syscall.EPERM},
		{"bad cgroup fd", "/bin/true", syscall.ProcAttr{Files: std, Sys: &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: badFD}}, "clone3", syscall.EBADF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var pid int
			var err error
			fast, _ := counted(func() { pid, err = ForkExec(tc.path, []string{"x"}, &tc.attr) })
			require.EqualValues(t, 1, fast, "fast path not taken")
			if err == nil {
				wait(t, pid)
			}
			require.Error(t, err, "spawn succeeded, want %s: %v", tc.call, tc.errno)
			var se *os.SyscallError
			require.ErrorAs(t, err, &se)
			require.Equal(t, tc.call, se.Syscall, "failing call")
			require.ErrorIs(t, err, tc.errno)
			// The same failure through syscall.ForkExec, for parity.
			_, want := syscall.ForkExec(tc.path, []string{"x"}, &tc.attr)
			assert.ErrorIs(t, want, tc.errno, "syscall.ForkExec gives %v, the fast path %v", want, err)
			require.NoError(t, testutil.NoChildren())
		})
	}
	_, err = ForkExec(filepath.Join(dir, "none"), []string{"x"}, nil)
	assert.ErrorIs(t, err, fs.ErrNotExist, "nil attr, missing path")
	_, err = ForkExec("/bin/true\x00", []string{"x"}, nil)
	assert.ErrorIs(t, err, syscall.EINVAL, "NUL in path")
	require.NoError(t, testutil.NoChildren())
}

// TestFileShuffle hands the child a permutation of descriptors whose
// numbers are themselves target slots (cycles, a fixed point, one source
// used twice, closed slots) and checks what each slot refers to in the
// child, and that nothing else is open there.
func TestFileShuffle(t *testing.T) {
	needFast(t)
	const base = 300 // slots base..base+5, well above anything the test binary holds
	type pipe struct{ r, w *os.File }
	pipes := make([]pipe, 6)
	for k := range pipes {
		r, w, err := os.Pipe()
		require.NoError(t, err)
		// Put pipe k's write end at fd base+k (close-on-exec, as Go's fds are).
		require.NoError(t, unix.Dup3(int(w.Fd()), base+k, unix.O_CLOEXEC))
		w.Close()
		pipes[k] = pipe{r, os.NewFile(uintptr(base+k), "w")}
	}
	defer func() {
		for _, p := range pipes {
			p.r.Close()
			p.w.Close()
		}
	}()
	files := make([]uintptr, base+6)
	for i := range files {
		files[i] = ^uintptr(0) // closed
	}
	files[0], files[1], files[2] = devNull(t).Fd(), 1, 2
	// slot → source fd: a 3-cycle (0→1→2→0), a fixed point (3), pipe 4's
	// end in two slots, pipe 5 not passed, and slot base+5 closed.
	perm := map[int]int{base + 0: base + 1, base + 1: base + 2, base + 2: base + 0, base + 3: base + 3, base + 4: base + 4, 40: base + 4}
	for slot, src := range perm {
		files[slot] = uintptr(src)
	}
	attr := helperAttr(t, "fds")
	attr.Files = files
	out, ws := run(t, ForkExec, testutil.Executable(t), []string{"helper"}, attr)
	require.Zero(t, ws.ExitStatus(), "helper: %v\n%s", ws, out)
	for _, p := range pipes {
		p.w.Close()
	}
	got := map[int][]int{} // pipe k → slots the child wrote through it
	for k, p := range pipes {
		sc := bufio.NewScanner(p.r)
		for sc.Scan() {
			n, _ := strconv.Atoi(sc.Text())
			got[k] = append(got[k], n)
		}
		slices.Sort(got[k])
	}
	want := map[int][]int{0: {base + 2}, 1: {base + 0}, 2: {base + 1}, 3: {base + 3}, 4: {40, base + 4}}
	for k := range pipes {
		assert.Equal(t, want[k], got[k], "child fds that reached pipe %d", k)
	}
	// Open in the child: 0, 1, 2, the passed slots, and whatever the test
	// binary inherited above the last slot (slots given as closed are closed).
	wantOpen := []int{0, 1, 2, 40, base, base + 1, base + 2, base + 3, base + 4}
	wantOpen = append(wantOpen, inheritable(t, len(files))...)
	slices.Sort(wantOpen)
	assert.Equal(t, wantOpen, fields(out), "child's open fds")
	require.NoError(t, testutil.NoChildren())
}

// TestFewerThanThreeFiles: as with syscall.ForkExec, stdio slots not given
// are closed in the child. The helper is a Go program, whose runtime opens
// /dev/null on closed stdio fds at start-up, so closed shows as /dev/null.
func TestFewerThanThreeFiles(t *testing.T) {
	needFast(t)
	targets, err := testutil.FDTargets(os.Getpid())
	require.NoError(t, err)
	for _, fd := range []int{1, 2} {
		if targets[fd] == os.DevNull {
			t.Skipf("the test binary's fd %d is already /dev/null: closing it could not be told from passing it", fd)
		}
	}
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	attr := helperAttr(t, "stdio")
	attr.Files = []uintptr{w.Fd()}
	pid, err := ForkExec(testutil.Executable(t), []string{"helper"}, attr)
	w.Close()
	require.NoError(t, err)
	out, _ := io.ReadAll(r)
	ws := wait(t, pid)
	require.Zero(t, ws.ExitStatus(), "helper: %v", ws)
	assert.Equal(t, "1 /dev/null\n2 /dev/null\n", string(out), "child's stdio (fds 1 and 2 closed before exec)")
}

// fields parses whitespace-separated fd numbers.
func fields(s string) []int {
	var fds []int
	for _, f := range strings.Fields(s) {
		if n, err := strconv.Atoi(f); err == nil {
			fds = append(fds, n)
		}
	}
	slices.Sort(fds)
	return fds
}

func TestSessionGroupPidfd(t *testing.T) {
	needFast(t)
	for _, tc := range []struct {
		name string
		sys  syscall.SysProcAttr
	}{
		{"setsid", syscall.SysProcAttr{Setsid: true}},
		{"setpgid", syscall.SysProcAttr{Setpgid: true}},
		{"none", syscall.SysProcAttr{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pidfd := -1
			sys := tc.sys
			sys.PidFD = &pidfd
			attr := helperAttr(t, "describe")
			attr.Sys = &sys
			var out string
			fast, _ := counted(func() { out, _ = run(t, ForkExec, testutil.Executable(t), []string{"helper"}, attr) })
			require.EqualValues(t, 1, fast, "fast path not taken")
			require.GreaterOrEqual(t, pidfd, 0, "no pidfd returned")
			defer syscall.Close(pidfd)
			// The pidfd refers to the (now reaped) child: signalling it
			// says ESRCH, not EBADF.
			assert.ErrorIs(t, unix.PidfdSendSignal(pidfd, 0, nil, 0), unix.ESRCH, "pidfd_send_signal after reap")
			vals := map[string]int{}
			for _, line := range strings.Split(out, "\n") {
				k, v, ok := strings.Cut(line, "=")
				if n, err := strconv.Atoi(v); ok && err == nil {
					vals[k] = n
				}
			}
			pid := vals["pid"]
			switch {
			case tc.sys.Setsid:
				assert.Equal(t, pid, vals["sid"], "setsid child's session: %v", vals)
				assert.Equal(t, pid, vals["pgid"], "setsid child's group: %v", vals)
			case tc.sys.Setpgid:
				assert.NotEqual(t, pid, vals["sid"], "setpgid child's session: %v", vals)
				assert.Equal(t, pid, vals["pgid"], "setpgid child's group: %v", vals)
			default:
				assert.Equal(t, mustGetsid(), vals["sid"], "plain child's session (the parent's): %v", vals)
				assert.Equal(t, syscall.Getpgrp(), vals["pgid"], "plain child's group (the parent's): %v", vals)
			}
		})
	}
	require.NoError(t, testutil.NoChildren())
}

// TestParityWithSyscallForkExec compares what an exec'd program inherits
// (signal mask, ignored and caught signals, limits, credentials) from a fast
// spawn and from syscall.ForkExec.
func TestParityWithSyscallForkExec(t *testing.T) {
	needFast(t)
	fields := func(status string) map[string]string {
		m := map[string]string{}
		for _, line := range strings.Split(status, "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			switch k {
			case "SigBlk", "SigIgn", "SigCgt", "Uid", "Gid", "Groups", "NoNewPrivs", "Seccomp", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "Cpus_allowed_list":
				m[k] = strings.TrimSpace(v)
			}
		}
		return m
	}
	attr := &syscall.ProcAttr{Env: []string{}}
	var fastStatus, fastLimits string
	fast, _ := counted(func() {
		fastStatus, _ = run(t, ForkExec, "/bin/cat", []string{"cat", "/proc/self/status"}, attr)
		fastLimits, _ = run(t, ForkExec, "/bin/cat", []string{"cat", "/proc/self/limits"}, attr)
	})
	require.EqualValues(t, 2, fast, "fast path not taken")
	refStatus, _ := run(t, syscall.ForkExec, "/bin/cat", []string{"cat", "/proc/self/status"}, attr)
	refLimits, _ := run(t, syscall.ForkExec, "/bin/cat", []string{"cat", "/proc/self/limits"}, attr)
	got, want := fields(fastStatus), fields(refStatus)
	require.GreaterOrEqual(t, len(want), 10, "could not parse /proc/self/status:\n%s", refStatus)
	for k, v := range want {
		assert.Equal(t, v, got[k], "%s: syscall.ForkExec's (expected) and the fast spawn's (actual)", k)
	}
	assert.Equal(t, refLimits, fastLimits, "limits: syscall.ForkExec's (expected) and the fast spawn's (actual)")
	assert.Equal(t, "0000000000000000", got["SigBlk"], "child starts with signals blocked")
}

func TestFallback(t *testing.T) {
	t.Run("unsupported SysProcAttr field", func(t *testing.T) {
		// A field the fast path does not implement, chosen because it is
		// a documented no-op without GidMappings, so the child still runs.
		attr := &syscall.ProcAttr{Sys: &syscall.SysProcAttr{GidMappingsEnableSetgroups: true}}
		var ws syscall.WaitStatus
		fast, slow := counted(func() { _, ws = run(t, ForkExec, "/bin/true", []string{"true"}, attr) })
		assert.Zero(t, fast, "fast spawns")
		assert.EqualValues(t, 1, slow, "fallbacks")
		assert.Zero(t, ws.ExitStatus(), "the fallback runs the child: %v", ws)
	})
	t.Run("soft RLIMIT_NOFILE = hard-1 set by the program", func(t *testing.T) {
		// The Go runtime's marker value, but set by syscall.Setrlimit,
		// which tells syscall.ForkExec to leave children alone: the fast
		// path must then give children the same limit it does.
		var lim syscall.Rlimit
		require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim))
		if lim.Max < 2 {
			t.Skip("hard RLIMIT_NOFILE too small")
		}
		saved := lim
		lim.Cur = lim.Max - 1
		require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim))
		defer syscall.Setrlimit(syscall.RLIMIT_NOFILE, &saved)
		argv := []string{"sh", "-c", "ulimit -Sn"}
		var got string
		fast, slow := counted(func() { got, _ = run(t, ForkExec, "/bin/sh", argv, &syscall.ProcAttr{}) })
		want, _ := run(t, syscall.ForkExec, "/bin/sh", argv, &syscall.ProcAttr{})
		assert.EqualValues(t, 1, fast, "fast spawns while soft = hard-1")
		assert.Zero(t, slow, "fallbacks while soft = hard-1")
		assert.Equal(t, want, got, "the child's soft RLIMIT_NOFILE: syscall.ForkExec's (expected) and the fast spawn's (actual)")
	})
	require.NoError(t, testutil.NoChildren())
}

// TestForkLockExcludesReaders: while a goroutine holds syscall.ForkLock for
// reading (the window between creating a descriptor and marking it
// close-on-exec), no fork may happen.
func TestForkLockExcludesReaders(t *testing.T) {
	syscall.ForkLock.RLock()
	done := make(chan int, 1)
	go func() {
		pid, err := ForkExec("/bin/true", []string{"true"}, nil)
		assert.NoError(t, err)
		done <- pid
	}()
	select {
	case pid := <-done:
		syscall.ForkLock.RUnlock()
		wait(t, pid)
		require.FailNow(t, "forked while ForkLock was held for reading")
	case <-time.After(200 * time.Millisecond):
	}
	syscall.ForkLock.RUnlock()
	select {
	case pid := <-done:
		wait(t, pid)
	case <-time.After(hangGuard):
		require.FailNow(t, "spawn still blocked after ForkLock was released")
	}
	require.NoError(t, testutil.NoChildren())
}

// TestConcurrentNoLeaks spawns from several goroutines at once, beside
// os/exec users and goroutines that create inheritable descriptors under
// ForkLock.RLock and only then mark them close-on-exec (the pattern
// ForkLock exists for). Every child lists its fds: any descriptor beyond
// stdio and what the test binary itself inherited is a leak.
func TestConcurrentNoLeaks(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 100
	}
	// Before the goroutines below start making inheritable pipes.
	want := append([]int{0, 1, 2}, inheritable(t, 3)...)
	// ls lists its own directory fd too: the lowest number not inherited.
	for fd := 3; ; fd++ {
		if !slices.Contains(want, fd) {
			want = append(want, fd)
			break
		}
	}
	slices.Sort(want)
	stop := make(chan struct{})
	var bg sync.WaitGroup
	// background runs f until stop is closed or f fails.
	background := func(f func() error) {
		bg.Add(1)
		go func() {
			defer bg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if !assert.NoError(t, f()) {
					return
				}
			}
		}()
	}
	for range 2 {
		background(func() error {
			syscall.ForkLock.RLock()
			var p [2]int
			if err := syscall.Pipe(p[:]); err != nil { // no O_CLOEXEC
				syscall.ForkLock.RUnlock()
				return err
			}
			syscall.CloseOnExec(p[0])
			syscall.CloseOnExec(p[1])
			syscall.ForkLock.RUnlock()
			syscall.Close(p[0])
			syscall.Close(p[1])
			return nil
		})
	}
	background(func() error { return exec.Command("/bin/true").Run() })
	var wg sync.WaitGroup
	var mu sync.Mutex
	var leaks []string
	jobs := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				out, ws := run(t, ForkExec, "/bin/ls", []string{"ls", "/proc/self/fd"}, &syscall.ProcAttr{Env: []string{}})
				if ws.ExitStatus() != 0 || !slices.Equal(fields(out), want) {
					mu.Lock()
					leaks = append(leaks, out)
					mu.Unlock()
				}
			}
		}()
	}
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	close(stop)
	bg.Wait()
	if len(leaks) > 0 {
		assert.Fail(t, fmt.Sprintf("%d of %d children had unexpected fds", len(leaks), n), "e.g. %q, want %v", leaks[0], want)
	}
	require.NoError(t, testutil.NoChildren())
}

// grow uses about n×256 bytes of stack and returns, leaving the goroutine's
// stack large and mostly unused, so the next GC may shrink (move) it.
//
//go:noinline
func grow(n int) int {
	var buf [256]byte
	buf[n%256] = byte(n)
	if n == 0 {
		return int(buf[0])
	}
	return grow(n-1) + int(buf[n%256])
}

// TestPidfdAfterStackMove: the spawner parks (ForkLock held by a reader)
// while the GC shrinks its stack; the pidfd the kernel writes at clone time
// must still land in the moved record and be returned.
func TestPidfdAfterStackMove(t *testing.T) {
	needFast(t)
	for range 10 {
		syscall.ForkLock.RLock()
		type result struct {
			pid, pidfd int
			err        error
		}
		done := make(chan result, 1)
		parked := make(chan struct{})
		go func() {
			grow(400)
			pidfd := -1
			attr := &syscall.ProcAttr{Sys: &syscall.SysProcAttr{PidFD: &pidfd}}
			close(parked)
			pid, err := ForkExec("/bin/true", []string{"true"}, attr)
			done <- result{pid, pidfd, err}
		}()
		<-parked
		// Give the spawner time to block in the gate; whether it has or
		// not, the result must be right (this only raises the odds of a
		// stack move while it waits).
		time.Sleep(5 * time.Millisecond)
		runtime.GC()
		runtime.GC()
		syscall.ForkLock.RUnlock()
		r := <-done
		require.NoError(t, r.err)
		if r.pidfd < 0 {
			wait(t, r.pid)
		}
		require.GreaterOrEqual(t, r.pidfd, 0, "no pidfd returned after the spawner's stack moved")
		var info unix.Siginfo
		assert.NoError(t, unix.Waitid(unix.P_PIDFD, r.pidfd, &info, unix.WEXITED, nil), "waitid(P_PIDFD)")
		syscall.Close(r.pidfd)
	}
	require.NoError(t, testutil.NoChildren())
}

// TestPidfdClearedOnFailure: as with syscall.ForkExec, a failed spawn
// leaves *PidFD at -1 and no pidfd open.
func TestPidfdClearedOnFailure(t *testing.T) {
	needFast(t)
	before := countPidfds(t)
	for _, f := range []func(string, []string, *syscall.ProcAttr) (int, error){ForkExec, syscall.ForkExec} {
		pidfd := 0 // what os.StartProcess starts with
		_, err := f("/nonexistent", []string{"x"}, &syscall.ProcAttr{Sys: &syscall.SysProcAttr{PidFD: &pidfd}})
		assert.Error(t, err, "spawn of /nonexistent")
		assert.Equal(t, -1, pidfd, "*PidFD after a failed spawn")
	}
	assert.Equal(t, before, countPidfds(t), "pidfds open before and after failed spawns")
	// Only -1 means "close this slot"; other negative values are bad fds.
	_, err := ForkExec("/bin/true", []string{"true"}, &syscall.ProcAttr{Files: []uintptr{0, 1, 2, ^uintptr(1)}})
	assert.ErrorIs(t, err, syscall.EBADF, "Files entry -2")
	require.NoError(t, testutil.NoChildren())
}

func countPidfds(t *testing.T) int {
	t.Helper()
	targets, err := testutil.FDTargets(os.Getpid())
	require.NoError(t, err)
	n := 0
	for _, target := range targets {
		if target == "anon_inode:[pidfd]" {
			n++
		}
	}
	return n
}

// TestPdeathsig: a helper process spawns two sleepers, one with Pdeathsig
// SIGKILL, and exits. The one with the signal must die with it; the other,
// the control, must outlive it (and is killed here).
func TestPdeathsig(t *testing.T) {
	needFast(t)
	out, ws := run(t, ForkExec, testutil.Executable(t), []string{"helper"}, helperAttr(t, "pdeath"))
	var withSig, without int
	var fast uint64
	n, _ := fmt.Sscan(out, &withSig, &without, &fast)
	require.Equal(t, 3, n, "helper: %v, output %q", ws, out)
	require.Zero(t, ws.ExitStatus(), "helper: %v, output %q", ws, out)
	defer syscall.Kill(without, syscall.SIGKILL)
	require.EqualValues(t, 2, fast, "helper's spawns that took the fast path")
	deadline := time.Now().Add(hangGuard)
	for alive(withSig) {
		require.False(t, time.Now().After(deadline), "child %d with Pdeathsig outlived its parent", withSig)
		time.Sleep(10 * time.Millisecond)
	}
	assert.True(t, alive(without), "control child %d without Pdeathsig died too", without)
}

// alive reports whether pid runs (a zombie, waiting for its new parent to
// reap it, counts as dead).
func alive(pid int) bool {
	s, err := testutil.ReadProcStat(pid)
	return err == nil && s.Alive()
}

// TestCredential: the ids and groups an exec'd program runs with equal
// syscall.ForkExec's for the same Credential, and chdir happens with the
// new ids (as root: into a directory only root may enter, it fails).
func TestCredential(t *testing.T) {
	needFast(t)
	ids := func(status string) string {
		var keep []string
		for _, line := range strings.Split(status, "\n") {
			if strings.HasPrefix(line, "Uid:") || strings.HasPrefix(line, "Gid:") || strings.HasPrefix(line, "Groups:") {
				keep = append(keep, strings.Join(strings.Fields(line), " "))
			}
		}
		return strings.Join(keep, "; ")
	}
	cred := &syscall.Credential{Uid: uint32(os.Getuid()), Gid: uint32(os.Getgid()), NoSetGroups: true}
	want := ""
	if os.Getuid() == 0 {
		cred = &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{65534, 100}}
		want = "Uid: 65534 65534 65534 65534; Gid: 65534 65534 65534 65534; Groups: 100 65534"
	}
	attr := &syscall.ProcAttr{Env: []string{}, Sys: &syscall.SysProcAttr{Credential: cred}}
	var got string
	fast, _ := counted(func() { got, _ = run(t, ForkExec, "/bin/cat", []string{"cat", "/proc/self/status"}, attr) })
	require.EqualValues(t, 1, fast, "fast path not taken")
	ref, _ := run(t, syscall.ForkExec, "/bin/cat", []string{"cat", "/proc/self/status"}, attr)
	assert.NotEmpty(t, ids(got), "ids of the fast spawn")
	assert.Equal(t, ids(ref), ids(got), "ids: syscall.ForkExec's (expected) and the fast spawn's (actual)")
	if want != "" {
		assert.Equal(t, want, ids(got), "ids")
	}
	if os.Getuid() != 0 {
		return
	}
	private := t.TempDir() // 0700, root's
	attr.Dir = private
	_, err := ForkExec("/bin/true", []string{"true"}, attr)
	var se *os.SyscallError
	if assert.ErrorAs(t, err, &se, "chdir into a root-only directory as 65534") {
		assert.Equal(t, "chdir", se.Syscall, "failing call")
	}
	assert.ErrorIs(t, err, syscall.EACCES, "chdir into a root-only directory as 65534")
	_, refErr := syscall.ForkExec("/bin/true", []string{"true"}, attr)
	assert.ErrorIs(t, refErr, syscall.EACCES, "syscall.ForkExec")
	require.NoError(t, testutil.NoChildren())
}
