package main

import (
	"errors"
	"os/exec"
	"testing"

	"github.com/childloop/childloop/examples/internal/extest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// exitCode is the program's exit status from extest's Wait.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "wait: %v", err)
	return ee.ExitCode()
}

func TestRecordHelp(t *testing.T) {
	extest.CheckHelp(t, extest.Build(t))
}

// TestRecordUsageErrors: bad usage is refused with 125, before anything
// runs, so that it cannot be mistaken for the command's status.
func TestRecordUsageErrors(t *testing.T) {
	bin := extest.Build(t)
	for _, args := range [][]string{
		{},
		{"-rows", "-1", "true"},
		{"-cols", "70000", "true"},
		{"-bogus", "true"},
	} {
		p := extest.Start(t, bin, args...)
		assert.Equal(t, 125, exitCode(t, p.Wait(t)), "%q", args)
		assert.Contains(t, p.Stderr(), "usage: record", "%q", args)
		assert.Empty(t, p.Lines(), "%q", args)
	}
}
