//go:build unix

package testutil

import (
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHelperCommand(t *testing.T) {
	out, err := HelperCommand(t, "echo", "a b", "", "-test.run=x").Output()
	require.NoError(t, err)
	// The arguments arrive unparsed; the helper's entry is there once.
	assert.Equal(t, `args=["a b" "" "-test.run=x"] env=["`+HelperEnvVar+`=echo"]`+"\n", string(out))

	// An entry already in this process's environment is replaced.
	t.Setenv(HelperEnvVar, "exit")
	out, err = HelperCommand(t, "echo").Output()
	require.NoError(t, err)
	assert.Equal(t, `args=[] env=["`+HelperEnvVar+`=echo"]`+"\n", string(out))
}

func TestHelperCommandGORACE(t *testing.T) {
	const fast = "GORACE=atexit_sleep_ms=0"
	if _, set := os.LookupEnv("GORACE"); !set {
		if RaceEnabled {
			assert.Contains(t, HelperCommand(t, "echo").Env, fast)
		} else {
			assert.NotContains(t, HelperCommand(t, "echo").Env, fast)
		}
	}
	t.Setenv("GORACE", "halt_on_error=1") // the test runner's choice stays
	env := HelperCommand(t, "echo").Env
	assert.NotContains(t, env, fast)
	assert.Contains(t, env, "GORACE=halt_on_error=1")
}

func TestHelperExitStatus(t *testing.T) {
	require.NoError(t, HelperCommand(t, "exit", "0").Run())
	for _, code := range []int{1, 3, 42} {
		err := HelperCommand(t, "exit", strconv.Itoa(code)).Run()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, code, ee.ExitCode())
	}
}

func TestHelperEmulator(t *testing.T) {
	// env(1) as the "emulator": it runs the test binary with its arguments.
	envPath, err := exec.LookPath("env")
	if err != nil {
		t.Skip("no env(1):", err)
	}
	t.Setenv(EmulatorEnvVar, envPath)
	cmd := HelperCommand(t, "echo", "x")
	assert.Equal(t, []string{envPath, Executable(t), "x"}, cmd.Args)
	out, err := cmd.Output()
	require.NoError(t, err)
	assert.Equal(t, `args=["x"] env=["`+HelperEnvVar+`=echo"]`+"\n", string(out))
}

// TestHelperEnvRawSpawn starts a helper the way a raw spawner does: its own
// argv and an environment holding only HelperEnv.
func TestHelperEnvRawSpawn(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	dir := t.TempDir() // a relative os.Args[0] would not be found from here
	pid, err := syscall.ForkExec(Executable(t), []string{"argv0", "x y"}, &syscall.ProcAttr{
		Dir: dir, Env: []string{HelperEnv(t, "echo"), "GORACE=atexit_sleep_ms=0"}, Files: []uintptr{0, w.Fd(), 2}})
	w.Close()
	require.NoError(t, err)
	out := make([]byte, 256)
	n, _ := r.Read(out)
	ws, err := Reap(pid)
	require.NoError(t, err)
	assert.Zero(t, ws.ExitStatus())
	assert.Equal(t, `args=["x y"] env=["`+HelperEnvVar+`=echo"]`+"\n", string(out[:n]))
}

func TestUnknownHelper(t *testing.T) {
	cmd := exec.Command(Executable(t))
	cmd.Env = append(os.Environ(), HelperEnvVar+"=no-such-helper")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, UnknownHelperExit, ee.ExitCode())
	assert.Contains(t, string(out), `unknown helper "no-such-helper"`)

	// The parent refuses the name before starting anything.
	f := &fakeTB{}
	f.run(func(tb testing.TB) { HelperCommand(tb, "no-such-helper") })
	assert.True(t, f.fatal)
	require.Len(t, f.errs, 1)
	assert.Contains(t, f.errs[0], `"no-such-helper" is not registered`)
}

func TestRunHelperIfChildTwice(t *testing.T) {
	assert.PanicsWithValue(t, "testutil: RunHelperIfChild called twice", func() { RunHelperIfChild(nil) })
	assert.NotEmpty(t, HelperEnv(t, "echo"), "the first registration stays")
}
