package reaplat

import (
	"io"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseOptions(t *testing.T) {
	o, err := ParseOptions(nil, io.Discard)
	require.NoError(t, err)
	require.Equal(t, 1000, o.N, "defaults %+v", o)
	require.Equal(t, 10, o.Rounds, "defaults %+v", o)
	require.Equal(t, 3000, o.Total, "defaults %+v", o)
	require.Equal(t, 10000, o.ScaleMax, "defaults %+v", o)
	require.Equal(t, 256, o.OutputMiB, "defaults %+v", o)
	require.Equal(t, 16, o.OutputWarmupMiB(), "defaults %+v", o)
	require.Len(t, o.Sections, 4, "defaults %+v", o)
	require.Nil(t, o.Methods, "defaults %+v", o)
	assert.Equal(t, []int{1, 100, 1000, 10000}, o.Levels(), "Levels")
	o, err = ParseOptions([]string{"-quick", "-n", "7", "-sections", "scale", "-methods", "pidfd"}, io.Discard)
	require.NoError(t, err)
	require.Equal(t, 7, o.N, "quick %+v", o)
	require.Equal(t, 100, o.ScaleMax, "quick %+v", o)
	require.Equal(t, 16, o.OutputMiB, "quick %+v", o)
	require.Equal(t, 1, o.OutputWarmupMiB(), "quick %+v", o)
	require.True(t, o.Has(SectionScale), "quick %+v", o)
	require.False(t, o.Has(SectionLatency), "quick %+v", o)
	require.NotNil(t, o.Methods, "quick %+v", o)
	require.True(t, o.Methods.MatchString("pidfd + epoll"), "quick %+v", o)
	o, _ = ParseOptions([]string{"-scale-max", "500"}, io.Discard)
	assert.Equal(t, []int{1, 100, 500}, o.Levels(), "Levels(500)")
	o, err = ParseOptions([]string{"-sections", "output,latency"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, []string{SectionOutput, SectionLatency}, o.Sections, "-sections output,latency")
	for _, bad := range [][]string{{"-sections", "nope"}, {"-methods", "("}, {"-n", "0"}, {"extra"}, {"-rounds", "0"}, {"-total", "2", "-rounds", "3"}, {"-output-mib", "0"}} {
		_, err := ParseOptions(bad, io.Discard)
		assert.Error(t, err, "ParseOptions(%q)", bad)
	}
}

// The pty section is opt-in, with smaller sizes under -quick.
func TestPtyOptions(t *testing.T) {
	o, err := ParseOptions(nil, io.Discard)
	require.NoError(t, err)
	assert.False(t, o.Has(SectionPty), "pty is not a default section")
	assert.Equal(t, []int{64, 4, 500, 5}, []int{o.PtyMiB, o.PtyWarmupMiB(), o.PtyN, o.PtyRounds}, "defaults")
	o, err = ParseOptions([]string{"-quick", "-sections", "pty"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, []string{SectionPty}, o.Sections)
	assert.Equal(t, []int{4, 1, 50, 2}, []int{o.PtyMiB, o.PtyWarmupMiB(), o.PtyN, o.PtyRounds}, "-quick")
	o, err = ParseOptions([]string{"-quick", "-pty-n", "7"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 7, o.PtyN, "an explicit flag wins over -quick")
	for _, bad := range [][]string{{"-pty-mib", "0"}, {"-pty-n", "0"}, {"-pty-rounds", "0"}} {
		_, err := ParseOptions(bad, io.Discard)
		assert.Error(t, err, "ParseOptions(%q)", bad)
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		in := slices.Clone(tc.in)
		assert.Equal(t, tc.want, median(tc.in), "median(%v)", in)
		assert.Equal(t, in, tc.in, "median's input untouched")
	}
}

func TestManyN(t *testing.T) {
	out := io.Discard
	o, err := ParseOptions([]string{"-sections", "many"}, out)
	require.NoError(t, err)
	assert.Equal(t, []int{1000, 3000}, o.ManyN)
	assert.True(t, o.Has(SectionMany))
	o, err = ParseOptions([]string{"-quick", "-sections", "many"}, out)
	require.NoError(t, err)
	assert.Equal(t, []int{10, 100}, o.ManyN)
	o, err = ParseOptions([]string{"-quick", "-many-n", "5"}, out)
	require.NoError(t, err)
	assert.Equal(t, []int{5}, o.ManyN)
	_, err = ParseOptions([]string{"-many-n", "10,x"}, out)
	assert.Error(t, err)
}
