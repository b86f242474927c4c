package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/internal/testutil"
	"go.uber.org/goleak"
	"golang.org/x/sys/unix"
)

// helpers are the children these tests spawn: the test binary re-executed
// (testutil.RunHelperIfChild).
var helpers = map[string]testutil.Helper{
	"burn":        helperBurn,
	"orphan-burn": helperOrphanBurn,
	"fds":         helperFDs,
	"ro-group":    helperROGroup,
}

func TestMain(m *testing.M) {
	testutil.RunHelperIfChild(helpers)
	goleak.VerifyTestMain(m)
}

// helperBurn spins until the process has used args[0] of CPU time (user
// and system), however slow the machine.
func helperBurn(args []string) int {
	d, err := time.ParseDuration(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	for {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		if time.Duration(ru.Utime.Nano()+ru.Stime.Nano()) >= d {
			return 0
		}
		for i := 0; i < 1e6; i++ {
		}
	}
}

// helperOrphanBurn starts helper burn with args[0], prints its pid and
// exits at once, leaving it an orphan that nobody in the test waits for.
func helperOrphanBurn(args []string) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	cmd := exec.Command(exe, args[0])
	cmd.Env = append(os.Environ(), testutil.HelperEnvVar+"=burn") // the last entry wins
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Println(cmd.Process.Pid)
	return 0
}

// helperFDs prints the descriptors it inherited (those without
// close-on-exec right after exec).
func helperFDs([]string) int {
	fds, err := testutil.InheritableFDs()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Println(fds)
	return 0
}

// helperROGroup runs in a mount namespace of its own: it mounts cgroup2
// read-only at args[0], where no other process sees it, and tries
// NewGroup there. It prints "refused: ..." and exits 3 when the mount is
// refused, otherwise what errors.Is says of NewGroup's error.
func helperROGroup(args []string) int {
	if err := unix.Mount("none", args[0], "cgroup2", unix.MS_RDONLY, ""); err != nil {
		fmt.Println("refused:", err)
		return 3
	}
	g, err := NewGroup(args[0])
	if err == nil {
		g.Close()
	}
	fmt.Printf("erofs=%v permission=%v err=%v\n", errors.Is(err, syscall.EROFS), errors.Is(err, fs.ErrPermission), err)
	return 0
}
