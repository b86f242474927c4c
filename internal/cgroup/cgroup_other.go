//go:build !linux

package cgroup

import (
	"errors"
	"fmt"
	"runtime"
	"syscall"
)

// errUnsupported is every answer off Linux: cgroups are Linux's.
var errUnsupported = fmt.Errorf("cgroup: cgroups on %s: %w", runtime.GOOS, errors.ErrUnsupported)

// Probe returns an error wrapping errors.ErrUnsupported: cgroups exist on
// Linux only.
func Probe() (string, error) { return "", errUnsupported }

// Check returns an error wrapping errors.ErrUnsupported.
func Check(string) error { return errUnsupported }

// A Group is a cgroup for one user of the package; off Linux none can be
// made.
type Group struct{}

// NewGroup returns an error wrapping errors.ErrUnsupported.
func NewGroup(string) (*Group, error) { return nil, errUnsupported }

// Dir is the group's directory.
func (*Group) Dir() string { return "" }

// NewCell returns an error wrapping errors.ErrUnsupported.
func (*Group) NewCell() (*Cell, error) { return nil, errUnsupported }

// Close does nothing.
func (*Group) Close() error { return nil }

// A Cell is the cgroup of one child; off Linux none can be made.
type Cell struct{}

// Dir is the cell's directory.
func (*Cell) Dir() string { return "" }

// FD is -1.
func (*Cell) FD() int { return -1 }

// Kill returns an error wrapping errors.ErrUnsupported.
func (*Cell) Kill() error { return errUnsupported }

// Signal returns an error wrapping errors.ErrUnsupported.
func (*Cell) Signal(syscall.Signal) error { return errUnsupported }

// Procs returns an error wrapping errors.ErrUnsupported.
func (*Cell) Procs() ([]int, error) { return nil, errUnsupported }

// Populated returns an error wrapping errors.ErrUnsupported.
func (*Cell) Populated() (bool, error) { return false, errUnsupported }

// EventsFD returns an error wrapping errors.ErrUnsupported.
func (*Cell) EventsFD() (int, error) { return -1, errUnsupported }

// Usage returns an error wrapping errors.ErrUnsupported.
func (*Cell) Usage() (Usage, error) { return Usage{}, errUnsupported }

// Remove does nothing.
func (*Cell) Remove() error { return nil }

// Recycle reports false: there are no cells here.
func (*Cell) Recycle() bool { return false }
