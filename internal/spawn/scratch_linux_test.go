//go:build linux && (amd64 || arm64)

package spawn

import (
	"fmt"
	"reflect"
	"syscall"
	"testing"

	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every SysProcAttr field, set alone, keeps the fast path exactly when the
// vfork child implements it.
func TestFastEligibleFields(t *testing.T) {
	if !sharesMemory() {
		t.Skip("vfork does not share memory here")
	}
	want := map[string]bool{"Setsid": true, "Setpgid": true, "Pgid": true, "Credential": true, "Pdeathsig": true, "PidFD": true, "Setctty": true, "Ctty": true, "UseCgroupFD": true, "CgroupFD": true}
	typ := reflect.TypeFor[syscall.SysProcAttr]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		var sys syscall.SysProcAttr
		v := reflect.ValueOf(&sys).Elem().Field(i)
		switch v.Kind() {
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Int, reflect.Int32, reflect.Int64:
			v.SetInt(1)
		case reflect.Uint, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			v.SetUint(1)
		case reflect.String:
			v.SetString("/")
		case reflect.Pointer:
			v.Set(reflect.New(f.Type.Elem()))
		case reflect.Slice:
			v.Set(reflect.MakeSlice(f.Type, 1, 1))
		default:
			t.Fatalf("field %s: kind %v not covered by the test", f.Name, v.Kind())
		}
		_, ok := fastEligible(&syscall.ProcAttr{Sys: &sys})
		assert.Equal(t, want[f.Name], ok, "SysProcAttr.%s set", f.Name)
	}
}

// Once warm, a fast spawn allocates nothing: its strings, pointer arrays
// and program come from the scratch pool.
func TestFastSpawnAllocs(t *testing.T) {
	if _, ok := fastEligible(&syscall.ProcAttr{}); !ok {
		t.Skip("fast path unavailable here")
	}
	if testutil.RaceEnabled {
		t.Skip("-race: sync.Pool drops items at random")
	}
	null := devNull(t)
	pidfd := -1
	attr := &syscall.ProcAttr{
		Env:   []string{"A=1", "B=2"},
		Files: []uintptr{null.Fd(), null.Fd(), null.Fd()},
		Sys:   &syscall.SysProcAttr{PidFD: &pidfd},
	}
	argv := []string{"true", "x", "y"}
	var spawnErr error
	allocs := testing.AllocsPerRun(50, func() {
		pid, err := vforkExec("/bin/true", argv, attr, nofilePlan{}, false)
		if err != nil {
			spawnErr = err
			return
		}
		syscall.Close(pidfd)
		var ws syscall.WaitStatus
		_, spawnErr = syscall.Wait4(pid, &ws, 0, nil)
	})
	require.NoError(t, spawnErr)
	assert.Zero(t, allocs, "allocations per fast spawn")
	require.NoError(t, testutil.NoChildren())
}

// A NUL byte anywhere is EINVAL, as syscall.ForkExec gives, and no child.
func TestScratchNUL(t *testing.T) {
	for _, c := range []struct {
		name string
		path string
		argv []string
		attr syscall.ProcAttr
	}{
		{"path", "/bin/tr\x00ue", []string{"true"}, syscall.ProcAttr{}},
		{"argv", "/bin/true", []string{"tr\x00ue"}, syscall.ProcAttr{}},
		{"env", "/bin/true", []string{"true"}, syscall.ProcAttr{Env: []string{"A=\x00"}}},
		{"dir", "/bin/true", []string{"true"}, syscall.ProcAttr{Dir: "/\x00"}},
	} {
		_, err := vforkExec(c.path, c.argv, &c.attr, nofilePlan{}, false)
		assert.ErrorIs(t, err, syscall.EINVAL, c.name)
		_, ref := syscall.ForkExec(c.path, c.argv, &c.attr)
		assert.ErrorIs(t, ref, syscall.EINVAL, "%s: syscall.ForkExec", c.name)
	}
	require.NoError(t, testutil.NoChildren())
}

// A process whose soft RLIMIT_NOFILE the Go runtime raised takes the fast
// path and gives its children the original soft limit, as
// syscall.ForkExec does (learned once from a probe child).
func TestFastPathRestoresNofile(t *testing.T) {
	var saved syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &saved))
	if saved.Max < 2048 {
		t.Skipf("hard RLIMIT_NOFILE %d: too small to lower the soft one below it", saved.Max)
	}
	low := saved
	low.Cur = 1024
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low))
	cmd := testutil.HelperCommand(t, "nofile")
	out, err := cmd.Output() // started with soft 1024: its runtime raises it
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &saved))
	require.NoError(t, err)
	want := fmt.Sprintf("own=%d/%d fast=1024 slow=1024 fastpath=1 fds=true\n", saved.Max-1, saved.Max)
	assert.Equal(t, want, string(out), "the helper's limit, its children's through ForkExec and syscall.ForkExec, fast spawns, no fd left by the probe")
}
