package cgroup

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cpuStat is a cpu.stat as Linux 6.18 writes it with the cpu controller
// enabled (without it, only the first three lines).
const cpuStat = `usage_usec 2543210
user_usec 2000000
system_usec 543210
core_sched.force_idle_usec 0
nr_periods 0
nr_throttled 0
throttled_usec 0
nr_bursts 0
burst_usec 0
`

func TestParseCPUStat(t *testing.T) {
	u, ok := parseCPUStat([]byte(cpuStat))
	assert.True(t, ok)
	assert.Equal(t, Usage{CPU: 2543210 * time.Microsecond, User: 2 * time.Second, System: 543210 * time.Microsecond, MemoryPeak: -1}, u)
	u, ok = parseCPUStat([]byte("usage_usec 7\nuser_usec 5\nsystem_usec 2\n"))
	assert.True(t, ok, "without the cpu controller")
	assert.Equal(t, Usage{CPU: 7 * time.Microsecond, User: 5 * time.Microsecond, System: 2 * time.Microsecond, MemoryPeak: -1}, u)
	_, ok = parseCPUStat([]byte("usage_usec 7\nuser_usec 5\n"))
	assert.False(t, ok)
}

func TestKeyed(t *testing.T) {
	for key, want := range map[string]int64{"usage_usec": 2543210, "user_usec": 2000000, "system_usec": 543210, "burst_usec": 0} {
		v, ok := keyed([]byte(cpuStat), key)
		assert.True(t, ok, key)
		assert.Equal(t, want, v, key)
	}
	for _, key := range []string{"usage", "usec", "sage_usec", "", "nr_bursts 0"} {
		_, ok := keyed([]byte(cpuStat), key)
		assert.False(t, ok, "%q", key)
	}
	v, ok := keyed([]byte("populated 1\nfrozen 0\n"), "populated")
	assert.True(t, ok)
	assert.EqualValues(t, 1, v)
	v, ok = keyed([]byte("frozen 0\npopulated 0"), "populated")
	assert.True(t, ok, "no final newline")
	assert.EqualValues(t, 0, v)
	_, ok = keyed([]byte("populated x\n"), "populated")
	assert.False(t, ok)
}

func TestNumber(t *testing.T) {
	v, ok := number([]byte("123456789\n"))
	assert.True(t, ok)
	assert.EqualValues(t, 123456789, v)
	v, ok = number([]byte("9223372036854775807"))
	assert.True(t, ok)
	assert.EqualValues(t, int64(1<<63-1), v)
	for _, s := range []string{"", "\n", "-1", "1 2", "max", "92233720368547758070"} {
		_, ok := number([]byte(s))
		assert.False(t, ok, "%q", s)
	}
}

func TestPIDScanner(t *testing.T) {
	text := "12\n3456\n7\n"
	want := []int{12, 3456, 7}
	for size := 1; size <= len(text); size++ { // every chunk size cuts numbers differently
		var s pidScanner
		var got []int
		f := func(pid int) error { got = append(got, pid); return nil }
		for i := 0; i < len(text); i += size {
			require.NoError(t, s.feed([]byte(text[i:min(i+size, len(text))]), f))
		}
		require.NoError(t, s.end(f))
		assert.Equal(t, want, got, "chunks of %d", size)
	}

	var s pidScanner
	var got []int
	f := func(pid int) error { got = append(got, pid); return nil }
	require.NoError(t, s.feed([]byte("1\n22"), f))
	require.NoError(t, s.end(f))
	assert.Equal(t, []int{1, 22}, got, "no final newline")

	stop := errors.New("stop")
	s, got = pidScanner{}, nil
	err := s.feed([]byte("1\n2\n3\n"), func(pid int) error {
		got = append(got, pid)
		if pid == 2 {
			return stop
		}
		return nil
	})
	assert.Equal(t, stop, err)
	assert.Equal(t, []int{1, 2}, got)
}

func TestHasWord(t *testing.T) {
	assert.True(t, hasWord([]byte("cpu memory pids\n"), "memory"))
	assert.True(t, hasWord([]byte("memory\n"), "memory"))
	assert.True(t, hasWord([]byte("cpu memory"), "memory"))
	assert.False(t, hasWord([]byte("cpu memoryx pids\n"), "memory"))
	assert.False(t, hasWord([]byte("hugetlb\n"), "memory"))
	assert.False(t, hasWord([]byte(""), "memory"))
}

func TestReleaseAtLeast(t *testing.T) {
	for release, want := range map[string]bool{
		"6.18.44-fc-v1045":      true,
		"5.14.0-362.el9.x86_64": true,
		"5.14-rc1":              true,
		"5.13.19":               false,
		"4.19.0":                false,
		"10.0":                  true,
		"5":                     false,
		"":                      false,
		"x.y":                   false,
	} {
		assert.Equal(t, want, releaseAtLeast(release, 5, 14), release)
	}
}
