package main

import (
	"regexp"
	"testing"
	"time"

	"github.com/childloop/childloop/examples/internal/extest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRefloop(t *testing.T) {
	bin := extest.Build(t)
	const deadline = 300 * time.Millisecond
	start := time.Now()
	p := extest.Start(t, bin, "-deadline", deadline.String())
	require.NoError(t, p.Wait(t), "refloop")
	// Lower bound only: sleep 10 must not end before its deadline.
	assert.GreaterOrEqual(t, time.Since(start), deadline, "finished before the %v deadline", deadline)
	for _, want := range []string{
		`^hello from a child$`,
		`^echo hello from a child \(pid \d+\): exit 0$`,
		`^sh -c exit 3 \(pid \d+\): exit 3$`,
		`^sleep 10: deadline 300ms exceeded, killing it$`,
		`^sleep 10 \(pid \d+\): signal killed$`,
	} {
		p.WaitLine(t, 0, regexp.MustCompile(want))
	}
}
