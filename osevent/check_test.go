package osevent

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// The tests are written in testify's style, but testify v1.12.1 imports
// go.yaml.in/yaml/v3, whose go.sum entry the module does not have (and this
// package may not change go.mod or go.sum). checker is a minimal stand-in
// with testify's method names: once go.sum has the entry, deleting this file
// and importing testify's assert and require packages is the whole switch.
type checker struct {
	fatal bool // require (stop the test) rather than assert (continue)
}

var (
	assert  = checker{}
	require = checker{fatal: true}
)

func (c checker) fail(t testing.TB, msgAndArgs []any, format string, args ...any) bool {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if len(msgAndArgs) > 0 {
		msg += ": " + fmt.Sprint(msgAndArgs...)
	}
	if c.fatal {
		t.Fatal(msg)
	}
	t.Error(msg)
	return false
}

func (c checker) True(t testing.TB, v bool, msg ...any) bool {
	t.Helper()
	if !v {
		return c.fail(t, msg, "expected true")
	}
	return true
}

func (c checker) False(t testing.TB, v bool, msg ...any) bool {
	t.Helper()
	if v {
		return c.fail(t, msg, "expected false")
	}
	return true
}

func (c checker) Equal(t testing.TB, want, got any, msg ...any) bool {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		return c.fail(t, msg, "not equal:\nwant %#v\ngot  %#v", want, got)
	}
	return true
}

func (c checker) NotEqual(t testing.TB, a, b any, msg ...any) bool {
	t.Helper()
	if reflect.DeepEqual(a, b) {
		return c.fail(t, msg, "both are %#v", a)
	}
	return true
}

func (c checker) NoError(t testing.TB, err error, msg ...any) bool {
	t.Helper()
	if err != nil {
		return c.fail(t, msg, "unexpected error: %v", err)
	}
	return true
}

func (c checker) ErrorIs(t testing.TB, err, target error, msg ...any) bool {
	t.Helper()
	if !errors.Is(err, target) {
		return c.fail(t, msg, "error %v is not %v", err, target)
	}
	return true
}

func (c checker) EqualError(t testing.TB, err error, want string, msg ...any) bool {
	t.Helper()
	if err == nil || err.Error() != want {
		return c.fail(t, msg, "error %v, want %q", err, want)
	}
	return true
}

func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Interface, reflect.Chan:
		return rv.IsNil()
	}
	return false
}

func (c checker) Nil(t testing.TB, v any, msg ...any) bool {
	t.Helper()
	if !isNil(v) {
		return c.fail(t, msg, "expected nil, got %#v", v)
	}
	return true
}

func (c checker) NotNil(t testing.TB, v any, msg ...any) bool {
	t.Helper()
	if isNil(v) {
		return c.fail(t, msg, "expected non-nil")
	}
	return true
}

func (c checker) Empty(t testing.TB, v any, msg ...any) bool {
	t.Helper()
	if !isNil(v) && reflect.ValueOf(v).Len() != 0 {
		return c.fail(t, msg, "expected empty, got %#v", v)
	}
	return true
}

func (c checker) Zero(t testing.TB, v any, msg ...any) bool {
	t.Helper()
	if v != nil && !reflect.ValueOf(v).IsZero() {
		return c.fail(t, msg, "expected zero, got %#v", v)
	}
	return true
}

func (c checker) NotZero(t testing.TB, v any, msg ...any) bool {
	t.Helper()
	if v == nil || reflect.ValueOf(v).IsZero() {
		return c.fail(t, msg, "expected non-zero")
	}
	return true
}

func (c checker) NotSame(t testing.TB, a, b any, msg ...any) bool {
	t.Helper()
	if a == b {
		return c.fail(t, msg, "same object %p", a)
	}
	return true
}

func (c checker) Panics(t testing.TB, fn func(), msg ...any) (ok bool) {
	t.Helper()
	defer func() {
		if recover() == nil {
			ok = c.fail(t, msg, "function did not panic")
		} else {
			ok = true
		}
	}()
	fn()
	return true
}
