package peerrun

import (
	"strings"
	"testing"
	"time"

	"github.com/childloop/childloop/bench/internal/harness"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	in := `{"pid":12,"ns":3400}
{"pid":13,"ns":5600}
{"summary":{"mode":"latency","runtime":"x 1","n":2,"elapsed_ns":9}}
`
	var seen int
	s, sum, err := Parse(strings.NewReader(in), func(harness.Sample) { seen++ })
	require.NoError(t, err)
	require.Len(t, s, 2)
	assert.Equal(t, 13, s[1].Pid)
	assert.Equal(t, time.Duration(5600), s[1].Latency)
	assert.Equal(t, 2, sum.N)
	assert.Equal(t, "x 1", sum.Runtime)
	assert.Equal(t, 2, seen, "samples passed to the callback")
}

func TestParseErrors(t *testing.T) {
	for name, in := range map[string]string{
		"empty":          "",
		"no summary":     `{"pid":1,"ns":2}`,
		"after summary":  "{\"summary\":{\"n\":0}}\n{\"pid\":1,\"ns\":2}",
		"zero pid":       "{\"pid\":0,\"ns\":2}\n{\"summary\":{}}",
		"negative ns":    "{\"pid\":3,\"ns\":-2}\n{\"summary\":{}}",
		"not json":       "hello\n{\"summary\":{}}",
		"unknown object": "{\"x\":1}\n{\"summary\":{}}",
	} {
		_, _, err := Parse(strings.NewReader(in), nil)
		assert.Error(t, err, "%s: Parse accepted %q", name, in)
	}
}

func TestParseThroughputCPU(t *testing.T) {
	in := `{"summary":{"mode":"throughput","n":3,"concurrency":2,"elapsed_ns":9,"cpu_ns":700,"children_cpu_ns":800}}` + "\n"
	_, sum, err := Parse(strings.NewReader(in), nil)
	require.NoError(t, err)
	assert.Equal(t, int64(700), sum.CPUNS, "the driver's own CPU")
	assert.Equal(t, int64(800), sum.ChildCPUNS, "its children's")
}
