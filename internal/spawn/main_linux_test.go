//go:build linux

package spawn

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestMain doubles as the helper-process entry point: with SPAWN_HELPER set
// the test binary acts as a child. It also makes the fast path eligible when
// the Go runtime raised RLIMIT_NOFILE (see ForkExec); otherwise the tests
// below would silently exercise syscall.ForkExec.
func TestMain(m *testing.M) {
	if h := os.Getenv("SPAWN_HELPER"); h != "" {
		os.Exit(runHelper(h))
	}
	if err := NofileToHard(); err != nil {
		fmt.Fprintln(os.Stderr, "setrlimit:", err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

func runHelper(h string) int {
	switch h {
	case "describe":
		// argv, environment, working directory, session and group.
		wd, _ := os.Getwd()
		fmt.Printf("argv=%q\nenv=%q\nwd=%s\nsid=%d\npgid=%d\npid=%d\n",
			os.Args[1:], os.Environ(), wd, mustGetsid(), syscall.Getpgrp(), os.Getpid())
		return 0
	case "fds":
		// List the inherited fds, then write each one's own number into it,
		// except stdio's. Right after exec every open fd not marked
		// close-on-exec was inherited: the Go runtime's own (the poller's,
		// opened when os.Stdout is a non-blocking pipe) are close-on-exec.
		fds, err := inheritedFDs()
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
	case "pdeath":
		// Start two sleepers, one with a parent-death signal, print their
		// pids and whether the fast path ran, and exit: the thread that
		// forked them dies with this process.
		if err := NofileToHard(); err != nil {
			fmt.Println("error", err)
			return 2
		}
		var pids []string
		for _, sig := range []syscall.Signal{syscall.SIGKILL, 0} {
			attr := &syscall.ProcAttr{Files: []uintptr{0, 2, 2}, Sys: &syscall.SysProcAttr{Pdeathsig: sig}}
			if os.Getuid() == 0 {
				// Changing ids clears the parent-death signal: it must
				// be set after them.
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
	case "stdio":
		// Report through fd 0 what fds 1 and 2 are.
		for _, fd := range []string{"1", "2"} {
			target, _ := os.Readlink("/proc/self/fd/" + fd)
			syscall.Write(0, []byte(fd+" "+target+"\n"))
		}
		return 0
	}
	fmt.Fprintln(os.Stderr, "unknown helper", h)
	return 3
}

func mustGetsid() int {
	sid, _, e := syscall.RawSyscall(syscall.SYS_GETSID, 0, 0, 0)
	if e != 0 {
		return -1
	}
	return int(sid)
}

// openFDs lists this process's open descriptors with raw system calls (no
// *os.File, so no poller descriptors appear), leaving out its own.
func openFDs() ([]int, error) {
	d, err := syscall.Open("/proc/self/fd", syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(d)
	var fds []int
	buf := make([]byte, 8192)
	for {
		n, err := syscall.ReadDirent(d, buf)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break
		}
		_, _, names := syscall.ParseDirent(buf[:n], -1, nil)
		for _, name := range names {
			if fd, err := strconv.Atoi(name); err == nil && fd != d {
				fds = append(fds, fd)
			}
		}
	}
	slices.Sort(fds)
	return fds, nil
}

// inheritedFDs lists this process's descriptors without close-on-exec.
// For the test binary these are what every child inherits, whatever spawns
// it (a test runner or shell may pass some down); in a helper just after
// exec, they are exactly what its spawner passed.
func inheritedFDs() ([]int, error) {
	fds, err := openFDs()
	if err != nil {
		return nil, err
	}
	var out []int
	for _, fd := range fds {
		flags, _, e := syscall.RawSyscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0)
		if e == 0 && flags&syscall.FD_CLOEXEC == 0 {
			out = append(out, fd)
		}
	}
	return out, nil
}

// inheritable is inheritedFDs from min up.
func inheritable(t *testing.T, min int) []int {
	t.Helper()
	fds, err := inheritedFDs()
	if err != nil {
		t.Fatal(err)
	}
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
	t.Fatal("the CLONE_VM probe failed: every spawn falls back to syscall.ForkExec (set CHILDLOOP_EMULATED=1 if this runs under an emulator)")
}
