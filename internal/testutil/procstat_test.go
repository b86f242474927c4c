package testutil

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tail is fields 10 to 52 of a real stat line (numthreads 4, starttime
// 5000).
const tail = " 1234 0 5 0 10 20 0 0 20 0 4 0 5000 12345678 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"

func TestParseProcStat(t *testing.T) {
	for _, tc := range []struct {
		name string
		line string
		want ProcStat
	}{
		{"plain", "42 (sleep) S 1 42 7 34816 42 4194560" + tail,
			ProcStat{Pid: 42, Comm: "sleep", State: 'S', PPid: 1, Pgrp: 42, Session: 7, TTYNr: 34816, TPGid: 42, Flags: 4194560, NumThreads: 4, StartTime: 5000}},
		{"comm with spaces and parentheses", "7 (a) (b c)) Z 6 5 4 0 -1 4194316" + tail,
			ProcStat{Pid: 7, Comm: "a) (b c)", State: 'Z', PPid: 6, Pgrp: 5, Session: 4, TPGid: -1, Flags: 4194316, NumThreads: 4, StartTime: 5000}},
		{"empty comm", "8 () R 1 1 1 0 -1 0" + tail,
			ProcStat{Pid: 8, State: 'R', PPid: 1, Pgrp: 1, Session: 1, TPGid: -1, NumThreads: 4, StartTime: 5000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseProcStat([]byte(tc.line))
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	for _, bad := range []string{
		"",
		"42 sleep S 1 42 7 0 42 0" + tail,                            // no parentheses
		"42 (sleep S 1 42 7 0 42 0" + tail,                           // no closing one
		"42 (sleep) S 1 42 7 0 42 0 1 2 3\n",                         // too few fields
		"42 (sleep) S x 42 7 0 42 0" + tail,                          // ppid not a number
		"42 (sleep) SS 1 42 7 0 42 0" + tail,                         // state not one letter
		"x (sleep) S 1 42 7 0 42 0" + tail,                           // pid not a number
		"42 (sleep) S 1 42 7 0 42 -1" + tail,                         // negative flags
		") 42 (sleep S 1 42 7 0 42 0" + tail,                         // ')' before '('
		"42 (sleep) S 1 42 7 0 42 0 1234 0 5 0 10 20 0 0 20 0 4 0\n", // ends before starttime
	} {
		_, err := ParseProcStat([]byte(bad))
		assert.Error(t, err, "%q", bad)
	}
}

func TestProcStatStates(t *testing.T) {
	for state, alive := range map[byte]bool{'R': true, 'S': true, 'D': true, 'T': true, 't': true, 'I': true, 'Z': false, 'X': false, 'x': false} {
		s := ProcStat{State: state}
		assert.Equal(t, alive, s.Alive(), "state %c", state)
		assert.Equal(t, state == 'Z', s.Zombie(), "state %c", state)
	}
	assert.Equal(t, "42 (a b) Z", ProcStat{Pid: 42, Comm: "a b", State: 'Z'}.String())
}
