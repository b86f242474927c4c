package reaplat

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseStatus(t *testing.T) {
	text := "Name:\tcat\nUmask:\t0022\nState:\tS (sleeping)\nVmPeak:\t    8192 kB\nVmHWM:\t    1234 kB\nVmRSS:\t     987 kB\nThreads:\t10003\nSigQ:\t0/96363\n"
	s, err := parseStatus(text)
	require.NoError(t, err)
	assert.Equal(t, procStatus{Threads: 10003, RSSKB: 987, HWMKB: 1234}, s)

	// A zombie has no Vm lines.
	s, err = parseStatus("Name:\tx\nState:\tZ (zombie)\nThreads:\t1\n")
	require.NoError(t, err)
	assert.Equal(t, procStatus{Threads: 1}, s)

	_, err = parseStatus("Threads:\tmany\n")
	assert.Error(t, err, "a bad number")
}

func TestParsePss(t *testing.T) {
	kb, err := parsePss("00400000-7fff [rollup]\nRss:                  8 kB\nPss:                  4 kB\nPss_Dirty:   4 kB\n")
	require.NoError(t, err)
	assert.Equal(t, int64(4), kb)
	_, err = parsePss("Rss: 8 kB\n")
	assert.Error(t, err)
}

func TestManyReader(t *testing.T) {
	mr := newManyReader(strings.NewReader(`{"ready":true}
{"started":3,"start_ns":1000}
{"exited":3,"failed":1,"last_exit_mono_ns":99}
`))
	_, err := mr.next("ready")
	require.NoError(t, err)
	m, err := mr.next("started")
	require.NoError(t, err)
	assert.Equal(t, 3, *m.Started)
	assert.Equal(t, int64(1000), m.StartNS)
	m, err = mr.next("exited")
	require.NoError(t, err)
	assert.Equal(t, 3, *m.Exited)
	assert.Equal(t, 1, m.Failed)
	assert.Equal(t, int64(99), m.LastExitM)
	_, err = mr.next("exited")
	assert.ErrorContains(t, err, "EOF")

	_, err = newManyReader(strings.NewReader(`{"started":1}` + "\n")).next("ready")
	assert.ErrorContains(t, err, "want a \"ready\" line")
	_, err = newManyReader(strings.NewReader("fatal error: thread exhaustion\n")).next("ready")
	assert.Error(t, err)
}

func TestManyCells(t *testing.T) {
	ok := ManyPoint{N: 2, Started: 2, Exited: 2, BaseRSSKB: 1000, StartedRSSKB: 1100, MaxThreads: 4}
	assert.True(t, ok.OK())
	assert.InDelta(t, 50.0, ok.PerChildKB(), 1e-9)
	assert.Equal(t, "ok", manyCells(ok)[0])
	died := ManyPoint{N: 20000, Started: 0, Died: "thread exhaustion", MaxThreads: 10001}
	assert.False(t, died.OK())
	cells := manyCells(died)
	assert.Equal(t, "died: thread exhaustion", cells[0])
	assert.Equal(t, "—", cells[3], "no KiB/child when not all started")
	lost := ManyPoint{N: 3, Started: 3, Exited: 2}
	assert.Equal(t, "lost 1, failed 0", manyCells(lost)[0])
}

func TestDiedReason(t *testing.T) {
	assert.Equal(t, "thread exhaustion", diedReason("runtime: program exceeds 10000-thread limit\nfatal error: thread exhaustion\n", nil, nil))
	assert.Equal(t, "boom", diedReason("boom\nmore\n", nil, nil))
}
