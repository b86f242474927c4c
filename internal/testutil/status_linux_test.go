package testutil

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSelfStatus(t *testing.T) {
	st := SelfStatus("Threads", "VmRSS", "NoSuchField")
	assert.GreaterOrEqual(t, st["Threads"], 1)
	assert.LessOrEqual(t, st["Threads"], runtime.NumGoroutine()+64)
	assert.Positive(t, st["VmRSS"])
	assert.NotContains(t, st, "NoSuchField")
}
