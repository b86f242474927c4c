package child

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
)

// OutputPath is the child program of the output section: dd copying
// 1 MiB blocks of /dev/zero to its stdout, so that every write(2) it makes
// is 1 MiB and the child, not the reader, is seldom what limits the rate
// (head -c's 8 KiB writes capped it at about 2.5 GB/s on the 2-core VM of
// bench/README.md, below what the faster readers take in).
const OutputPath = "/bin/dd"

// OutputArgv is the child's argv for mib mebibytes.
func OutputArgv(mib int) []string {
	return []string{"dd", "if=/dev/zero", "bs=1M", "count=" + strconv.Itoa(mib), "status=none"}
}

// OutputAvailable checks once that OutputPath runs with OutputArgv's
// arguments (status=none is GNU and busybox dd, not every dd).
var OutputAvailable = sync.OnceValue(func() error {
	pid, err := SpawnOutput(0, -1)
	if err != nil {
		return err
	}
	ws, err := Reap(pid)
	if err != nil {
		return err
	}
	if !ws.Exited() || ws.ExitStatus() != 0 {
		return fmt.Errorf("%s %q ended %v", OutputPath, OutputArgv(0)[1:], ws)
	}
	return nil
})

// SpawnOutput starts the output child for mib mebibytes with stdout on
// fd (/dev/null when fd < 0), stdin and stderr on /dev/null and an empty
// environment. The caller reaps it.
func SpawnOutput(mib, fd int) (pid int, err error) {
	null, err := devNull()
	if err != nil {
		return 0, err
	}
	if fd < 0 {
		fd = null
	}
	attr := &syscall.ProcAttr{Files: []uintptr{uintptr(null), uintptr(fd), uintptr(null)}}
	pid, err = syscall.ForkExec(OutputPath, OutputArgv(mib), attr)
	if err != nil {
		return 0, fmt.Errorf("fork/exec %s: %w", OutputPath, err)
	}
	return pid, nil
}

// OpenDevNull opens /dev/null for writing, for a library that wants the
// output child's stderr as an *os.File. The caller closes it.
func OpenDevNull() (*os.File, error) { return os.OpenFile(os.DevNull, os.O_WRONLY, 0) }
