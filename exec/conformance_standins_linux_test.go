package exec_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The stand-ins for the internal packages the toolchain's os/exec tests
// import, written for Linux. Each provides what those tests call, with the
// behaviour they rely on; testenv's Command is built on the package under
// test (TARGET), as the real one is on os/exec.
var standIns = map[string]string{
	"testenv/testenv.go": `package testenv

import (
	"context"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"TARGET"
)

const goroot = GOROOT_VALUE

func MustHaveExec(t testing.TB)              {}
func MustHaveGoBuild(t testing.TB)           {}
func MustHaveSymlink(t testing.TB)           {}
func GOROOT(t testing.TB) string             { return goroot }
func GoToolPath(t testing.TB) string         { return filepath.Join(goroot, "bin", "go") }

func Executable(t testing.TB) string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("os.Executable: %v", err)
	}
	return exe
}

// SpecialBuildTypes are builds that cannot link internally.
type SpecialBuildTypes struct{ Cgo, Asan, Msan, Race bool }

var NoSpecialBuildTypes SpecialBuildTypes

func MustInternalLink(t testing.TB, with SpecialBuildTypes) {
	if with.Asan || with.Msan || with.Race {
		t.Skip("skipping test: internal linking with sanitizers is not supported")
	}
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skipf("skipping test: internal linking on %s/%s is not known here", runtime.GOOS, runtime.GOARCH)
	}
}

var flaky = flag.Bool("flaky", false, "run known-flaky tests too")

func SkipFlaky(t testing.TB, issue int) {
	if !*flaky {
		t.Skipf("skipping known flaky test without the -flaky flag; see golang.org/issue/%d", issue)
	}
}

// SyscallIsNotSupported reports errors a sandbox gives for a call it
// forbids or lacks.
func SyscallIsNotSupported(err error) bool {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch errno {
		case syscall.EPERM, syscall.EROFS, syscall.EINVAL, syscall.ENOSYS:
			return true
		}
	}
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, errors.ErrUnsupported)
}

// CommandContext is exec.CommandContext bounded by the test's deadline:
// SIGQUIT on cancellation, a WaitDelay of 5% of the time left (at least
// 100 ms), and a test failure for a command started and never waited for.
func CommandContext(t testing.TB, ctx context.Context, name string, args ...string) *exec.Cmd {
	t.Helper()
	var stop context.CancelFunc
	grace := time.Duration(0)
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if deadline, ok := d.Deadline(); ok {
			left := time.Until(deadline)
			grace = max(100*time.Millisecond, left/20)
			if cd, ok := ctx.Deadline(); !ok || time.Until(cd) > left-2*grace {
				ctx, stop = context.WithTimeout(ctx, left-2*grace)
			}
		}
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Cancel = func() error {
		if stop != nil && ctx.Err() == context.DeadlineExceeded {
			t.Errorf("test timed out while running command: %v", cmd)
		}
		return cmd.Process.Signal(syscall.SIGQUIT)
	}
	cmd.WaitDelay = grace
	t.Cleanup(func() {
		if stop != nil {
			stop()
		}
		if cmd.Process != nil && cmd.ProcessState == nil {
			t.Errorf("command was started, but test did not wait for it to complete: %v", cmd)
		}
	})
	return cmd
}

func Command(t testing.TB, name string, args ...string) *exec.Cmd {
	t.Helper()
	return CommandContext(t, context.Background(), name, args...)
}
`,
	"poll/poll.go": `package poll

import (
	"os"
	"strconv"
	"strings"
)

// IsPollDescriptor reports whether fd is the Go runtime's own: its epoll
// instance, the eventfd that wakes it, or (Go 1.25 and later, in a
// container with a CPU limit) the cgroup files it keeps open, close-on-exec,
// to follow that limit with GOMAXPROCS. The real one knows only the first
// two; without the third, TestExtraFiles skips itself on such machines,
// control and all, and the check of what a child inherits would not run.
func IsPollDescriptor(fd uintptr) bool {
	target, err := os.Readlink("/proc/self/fd/" + strconv.FormatUint(uint64(fd), 10))
	if err != nil {
		return false
	}
	switch {
	case target == "anon_inode:[eventpoll]", target == "anon_inode:[eventfd]":
		return true
	case strings.HasPrefix(target, "/sys/fs/cgroup/"):
		for _, f := range []string{"/cpu.max", "/cpu.cfs_quota_us", "/cpu.cfs_period_us"} {
			if strings.HasSuffix(target, f) {
				return true
			}
		}
	}
	return false
}
`,
	"fdtest/fdtest.go": `package fdtest

import "syscall"

// Exists reports whether fd is open.
func Exists(fd uintptr) bool {
	var st syscall.Stat_t
	return syscall.Fstat(int(fd), &st) != syscall.EBADF
}
`,
	"unix/unix.go": `package unix

import (
	"strconv"
	"strings"
	"syscall"
)

// KernelVersionGE reports whether the running kernel is at least
// major.minor.
func KernelVersionGE(major, minor int) bool {
	var u syscall.Utsname
	if syscall.Uname(&u) != nil {
		return false
	}
	var b strings.Builder
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		b.WriteByte(byte(c))
	}
	parts := strings.SplitN(b.String(), ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, _ := strconv.Atoi(parts[0])
	mi, _ := strconv.Atoi(strings.TrimLeftFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	return ma > major || ma == major && mi >= minor
}
`,
}

// writeStandIns writes the stand-ins under dir/internal, testenv importing
// target.
func writeStandIns(t *testing.T, dir, target, goroot string) {
	for name, src := range standIns {
		src = strings.ReplaceAll(src, `"TARGET"`, strconv.Quote(target))
		src = strings.ReplaceAll(src, "GOROOT_VALUE", strconv.Quote(goroot))
		path := filepath.Join(dir, "internal", name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
	}
}
