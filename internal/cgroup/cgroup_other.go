//go:build !linux

package cgroup

import (
	"errors"
	"fmt"
	"runtime"
)

// errUnsupported is every answer off Linux: cgroups are Linux's.
var errUnsupported = fmt.Errorf("cgroup: cgroups on %s: %w", runtime.GOOS, errors.ErrUnsupported)

// Probe returns an error wrapping errors.ErrUnsupported: cgroups exist on
// Linux only.
func Probe() (string, error) { return "", errUnsupported }
