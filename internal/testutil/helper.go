package testutil

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
)

// A Helper is the body of a helper process: the test binary re-executed as
// a child. It receives the process's arguments after argv[0] (os.Args[1:],
// unparsed: the testing flags are not parsed in a helper process) and
// returns its exit status.
type Helper func(args []string) int

// HelperEnvVar is the environment variable that makes the test binary a
// helper process; its value is the helper's name. HelperCommand and
// HelperEnv set it; it stays in the helper's environment, so a helper that
// starts the test binary again must give its child an environment of its
// own.
const HelperEnvVar = "CHILDLOOP_TEST_HELPER"

// EmulatorEnvVar, when set in the test's environment, names a program that
// HelperCommand runs the test binary under, such as qemu-aarch64-static
// where no binfmt_misc handler runs foreign binaries directly. Raw spawns
// of Executable do not use it.
const EmulatorEnvVar = "CHILDLOOP_TEST_EMULATOR"

// UnknownHelperExit is the exit status of a helper process asked for a name
// its test binary does not know.
const UnknownHelperExit = 127

var (
	helpersMu sync.Mutex
	helpers   map[string]Helper // set once by RunHelperIfChild; guarded by helpersMu
)

// RunHelperIfChild registers the test package's helpers and, when this
// process was started as one of them (HelperEnvVar is set), runs it and
// exits with its status. TestMain calls it first, before anything that
// would also run in a child:
//
//	var helpers = map[string]testutil.Helper{"echo": echo}
//
//	func TestMain(m *testing.M) {
//		testutil.RunHelperIfChild(helpers)
//		os.Exit(m.Run())
//	}
//
// Calling it twice panics.
func RunHelperIfChild(m map[string]Helper) {
	helpersMu.Lock()
	if helpers != nil {
		helpersMu.Unlock()
		panic("testutil: RunHelperIfChild called twice")
	}
	helpers = make(map[string]Helper, len(m))
	maps.Copy(helpers, m)
	helpersMu.Unlock()
	name, ok := os.LookupEnv(HelperEnvVar)
	if !ok {
		return
	}
	h := helpers[name]
	if h == nil {
		fmt.Fprintf(os.Stderr, "testutil: unknown helper %q (known: %q)\n", name, slices.Sorted(maps.Keys(helpers)))
		os.Exit(UnknownHelperExit)
	}
	os.Exit(h(os.Args[1:]))
}

// HelperCommand returns a command that runs helper name of this test binary
// with args, under EmulatorEnvVar's program if that is set. Its environment
// is this process's plus HelperEnv(t, name) and, in a -race build where
// GORACE is unset, GORACE=atexit_sleep_ms=0 (the race runtime otherwise
// sleeps a second in every helper that exits 0). The test fails at once if
// TestMain did not register name.
func HelperCommand(t testing.TB, name string, args ...string) *exec.Cmd {
	t.Helper()
	exe, env := Executable(t), HelperEnv(t, name)
	var cmd *exec.Cmd
	if emu := os.Getenv(EmulatorEnvVar); emu != "" {
		cmd = exec.Command(emu, append([]string{exe}, args...)...)
	} else {
		cmd = exec.Command(exe, args...)
	}
	cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, HelperEnvVar+"=")
	}), env)
	if _, set := os.LookupEnv("GORACE"); RaceEnabled && !set {
		cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0")
	}
	return cmd
}

// HelperEnv returns the environment entry ("NAME=value") that makes
// Executable run helper name, for spawners that take an environment of
// their own (syscall.ForkExec, internal/spawn); the arguments after argv[0]
// reach the helper as its args. The test fails at once if TestMain did not
// register name.
func HelperEnv(t testing.TB, name string) string {
	t.Helper()
	helpersMu.Lock()
	registered, h := helpers != nil, helpers[name]
	helpersMu.Unlock()
	switch {
	case !registered:
		t.Fatalf("testutil: helper %q: TestMain has not called testutil.RunHelperIfChild", name)
	case h == nil:
		t.Fatalf("testutil: helper %q is not registered", name)
	}
	return HelperEnvVar + "=" + name
}

var executable = sync.OnceValues(os.Executable)

// Executable is the absolute path of the running test binary, to re-execute
// it as a helper (it stays valid after the child changes directory, which
// os.Args[0] may not).
func Executable(t testing.TB) string {
	t.Helper()
	exe, err := executable()
	if err != nil {
		t.Fatalf("testutil: the test binary's path: %v", err)
	}
	return exe
}
