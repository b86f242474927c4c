//go:build linux && (amd64 || arm64)

package spawn

import (
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
	want := map[string]bool{"Setsid": true, "Setpgid": true, "Pgid": true, "Credential": true, "Pdeathsig": true, "PidFD": true}
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
		assert.Equal(t, want[f.Name], fastEligible(&syscall.ProcAttr{Sys: &sys}), "SysProcAttr.%s set", f.Name)
	}
}

// Once warm, a fast spawn allocates nothing: its strings, pointer arrays
// and program come from the scratch pool.
func TestFastSpawnAllocs(t *testing.T) {
	if !fastEligible(&syscall.ProcAttr{}) {
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
		pid, err := vforkExec("/bin/true", argv, attr)
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
		_, err := vforkExec(c.path, c.argv, &c.attr)
		assert.ErrorIs(t, err, syscall.EINVAL, c.name)
		_, ref := syscall.ForkExec(c.path, c.argv, &c.attr)
		assert.ErrorIs(t, ref, syscall.EINVAL, "%s: syscall.ForkExec", c.name)
	}
	require.NoError(t, testutil.NoChildren())
}
