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
		`^refloop: running .*; sleep 10 is killed after 300ms$`,
		`^hello from a child$`,
		`^echo hello from a child \(pid \d+\): exit 0 after \S+$`,
		`^sh -c exit 3 \(pid \d+\): exit 3 after \S+$`,
		`^sleep 10: deadline 300ms exceeded, killing it$`,
	} {
		p.WaitLine(t, 0, regexp.MustCompile(want))
	}
	m, _ := p.WaitLine(t, 0, regexp.MustCompile(`^sleep 10 \(pid \d+\): signal killed after (\S+)$`))
	ran, err := time.ParseDuration(m[1])
	require.NoError(t, err, "the time sleep 10 ran")
	assert.GreaterOrEqual(t, ran, deadline, "sleep 10 ran %v, less than its deadline", ran)
}

func TestRefloopHelp(t *testing.T) {
	extest.CheckHelp(t, extest.Build(t))
}
