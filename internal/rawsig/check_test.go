//go:build linux && (amd64 || arm64)

package rawsig_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// testify v1.12.1's assert package imports go.yaml.in/yaml/v3, which has no
// go.sum entry in this module, so the tests use this minimal stand-in with
// testify's names and argument order. Once go.sum has the entry, deleting
// this file and importing testify's assert and require is the whole switch.

type checker struct{ fatal bool }

var (
	assert  = checker{fatal: false}
	require = checker{fatal: true}
)

func (c checker) fail(t testing.TB, what string, msg []any) bool {
	t.Helper()
	if len(msg) > 0 {
		if f, ok := msg[0].(string); ok {
			what += ": " + fmt.Sprintf(f, msg[1:]...)
		}
	}
	if c.fatal {
		t.Fatal(what)
	}
	t.Error(what)
	return false
}

func (c checker) True(t testing.TB, v bool, msg ...any) bool {
	t.Helper()
	if !v {
		return c.fail(t, "should be true", msg)
	}
	return true
}

func (c checker) False(t testing.TB, v bool, msg ...any) bool {
	t.Helper()
	if v {
		return c.fail(t, "should be false", msg)
	}
	return true
}

func (c checker) NoError(t testing.TB, err error, msg ...any) bool {
	t.Helper()
	if err != nil {
		return c.fail(t, fmt.Sprintf("unexpected error: %v", err), msg)
	}
	return true
}

func (c checker) ErrorIs(t testing.TB, err, target error, msg ...any) bool {
	t.Helper()
	if !errors.Is(err, target) {
		return c.fail(t, fmt.Sprintf("error %v is not %v", err, target), msg)
	}
	return true
}

func (c checker) Equal(t testing.TB, want, got any, msg ...any) bool {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		return c.fail(t, fmt.Sprintf("not equal:\nwant %#v\ngot  %#v", want, got), msg)
	}
	return true
}

func (c checker) NotEqual(t testing.TB, a, b any, msg ...any) bool {
	t.Helper()
	if reflect.DeepEqual(a, b) {
		return c.fail(t, fmt.Sprintf("should differ: %#v", a), msg)
	}
	return true
}

func (c checker) Zero(t testing.TB, v any, msg ...any) bool {
	t.Helper()
	if v != nil && !reflect.ValueOf(v).IsZero() {
		return c.fail(t, fmt.Sprintf("should be zero: %#v", v), msg)
	}
	return true
}

func (c checker) Nil(t testing.TB, v any, msg ...any) bool {
	t.Helper()
	if v != nil && !(reflect.ValueOf(v).Kind() == reflect.Slice && reflect.ValueOf(v).IsNil()) {
		return c.fail(t, fmt.Sprintf("should be nil: %#v", v), msg)
	}
	return true
}

func (c checker) Contains(t testing.TB, s, sub string, msg ...any) bool {
	t.Helper()
	if !strings.Contains(s, sub) {
		return c.fail(t, fmt.Sprintf("%q does not contain %q", s, sub), msg)
	}
	return true
}
