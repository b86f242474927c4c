//go:build linux

package spawn

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/require"
)

// helpers are the children these tests spawn: the test binary re-executed
// (testutil.RunHelperIfChild).
var helpers = map[string]testutil.Helper{
	"describe": helperDescribe,
	"fds":      helperFDs,
	"pdeath":   helperPdeath,
	"stdio":    helperStdio,
	"nofile":   helperNofile,
}

// TestMain doubles as the helper-process entry point. It also makes the
// fast path eligible when the Go runtime raised RLIMIT_NOFILE (see
// ForkExec); otherwise the tests below would silently exercise
// syscall.ForkExec.
func TestMain(m *testing.M) {
	testutil.RunHelperIfChild(helpers)
	if err := NofileToHard(); err != nil {
		fmt.Fprintln(os.Stderr, "setrlimit:", err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// helperDescribe prints its argv, environment, working directory, session
// and group.
func helperDescribe(args []string) int {
	wd, _ := os.Getwd()
	fmt.Printf("argv=%q\nenv=%q\nwd=%s\nsid=%d\npgid=%d\npid=%d\n",
		args, os.Environ(), wd, mustGetsid(), syscall.Getpgrp(), os.Getpid())
	return 0
}

// helperFDs lists the inherited fds, then writes each one's own number into
// it, except stdio's. Right after exec every open fd not marked
// close-on-exec was inherited: the Go runtime's own (the poller's, opened
// when os.Stdout is a non-blocking pipe) are close-on-exec.
func helperFDs([]string) int {
	fds, err := testutil.InheritableFDs()
	if err != nil {
		fmt.Println("error", err)
		return 2
	}
	var names []string
	for _, fd := range fds {
		if fd > 2 {
			syscall.Write(fd, []byte(strconv.Itoa(fd)+"\n"))
		}
		names = append(names, strconv.Itoa(fd))
	}
	fmt.Println(strings.Join(names, " "))
	return 0
}

// helperPdeath starts two sleepers, one with a parent-death signal, prints
// their pids and whether the fast path ran, and exits: the thread that
// forked them dies with this process.
func helperPdeath([]string) int {
	if err := NofileToHard(); err != nil {
		fmt.Println("error", err)
		return 2
	}
	var pids []string
	for _, sig := range []syscall.Signal{syscall.SIGKILL, 0} {
		attr := &syscall.ProcAttr{Files: []uintptr{0, 2, 2}, Sys: &syscall.SysProcAttr{Pdeathsig: sig}}
		if os.Getuid() == 0 {
			// Changing ids clears the parent-death signal: it must be
			// set after them.
			attr.Sys.Credential = &syscall.Credential{Uid: 65534, Gid: 65534, NoSetGroups: true}
		}
		pid, err := ForkExec("/bin/sleep", []string{"sleep", "60"}, attr)
		if err != nil {
			fmt.Println("error", err)
			return 2
		}
		pids = append(pids, strconv.Itoa(pid))
	}
	fmt.Println(strings.Join(pids, " "), fastSpawns.Load())
	return 0
}

// helperStdio reports through fd 0 what fds 1 and 2 are.
func helperStdio([]string) int {
	targets, err := testutil.FDTargets(os.Getpid())
	if err != nil {
		syscall.Write(0, []byte("error "+err.Error()+"\n"))
		return 2
	}
	for _, fd := range []int{1, 2} {
		syscall.Write(0, []byte(strconv.Itoa(fd)+" "+targets[fd]+"\n"))
	}
	return 0
}

func mustGetsid() int {
	sid, _, e := syscall.RawSyscall(syscall.SYS_GETSID, 0, 0, 0)
	if e != 0 {
		return -1
	}
	return int(sid)
}

// inheritable is testutil.InheritableFDs from min up. For the test binary
// these are what every child inherits, whatever spawns it (a test runner
// or shell may pass some down).
func inheritable(t *testing.T, min int) []int {
	t.Helper()
	fds, err := testutil.InheritableFDs()
	require.NoError(t, err)
	i, _ := slices.BinarySearch(fds, min)
	return fds[i:]
}

// needFast fails a test of the fast path where the probe turned it off,
// unless CHILDLOOP_EMULATED says that is expected (qemu-user emulates vfork
// as fork, so there only the fallback can be tested).
func needFast(t *testing.T) {
	t.Helper()
	if sharesMemory() {
		return
	}
	if os.Getenv("CHILDLOOP_EMULATED") != "" {
		t.Skip("CLONE_VM|CLONE_VFORK does not share memory under this emulator: every spawn falls back")
	}
	require.FailNow(t, "the CLONE_VM probe failed: every spawn falls back to syscall.ForkExec (set CHILDLOOP_EMULATED=1 if this runs under an emulator)")
}

// helperNofile runs `sh -c 'ulimit -Sn'` once through ForkExec and once
// through syscall.ForkExec, without NofileToHard (so with the limit as the
// Go runtime raised it), and prints both answers, whether the first took
// the fast path, and whether the open fds are the same after as before.
func helperNofile([]string) int {
	run := func(fn func(string, []string, *syscall.ProcAttr) (int, error)) string {
		r, w, err := os.Pipe()
		if err != nil {
			return "error " + err.Error()
		}
		defer r.Close()
		pid, err := fn("/bin/sh", []string{"sh", "-c", "ulimit -Sn"}, &syscall.ProcAttr{Files: []uintptr{0, w.Fd(), 2}})
		w.Close()
		if err != nil {
			return "error " + err.Error()
		}
		out, _ := io.ReadAll(r)
		var ws syscall.WaitStatus
		syscall.Wait4(pid, &ws, 0, nil)
		return strings.TrimSpace(string(out))
	}
	var lim syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	fds0, err := testutil.OpenFDs()
	if err != nil {
		fmt.Println("error", err)
		return 2
	}
	f0 := fastSpawns.Load()
	fast := run(ForkExec) // runs the probe: its memfd and pidfd must be closed after
	took := fastSpawns.Load() - f0
	slow := run(syscall.ForkExec)
	fds1, err := testutil.OpenFDs()
	if err != nil {
		fmt.Println("error", err)
		return 2
	}
	fmt.Printf("own=%d/%d fast=%s slow=%s fastpath=%d fds=%v\n", lim.Cur, lim.Max, fast, slow, took, slices.Equal(fds0, fds1))
	return 0
}
