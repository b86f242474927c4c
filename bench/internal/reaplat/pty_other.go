//go:build !linux

package reaplat

import (
	"context"
	"errors"
)

// runPty fails: the section's floor and childloop's terminals need Linux.
func runPty(context.Context, Options, *Result, *progress) []error {
	return []error{errors.New("pty: the section runs on Linux only")}
}
