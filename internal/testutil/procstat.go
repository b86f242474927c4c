package testutil

import (
	"bytes"
	"fmt"
	"strconv"
)

// ProcStat holds the fields of a /proc/PID/stat line (proc(5)) that tests
// use, numbered as in proc(5).
type ProcStat struct {
	Pid        int    // (1)
	Comm       string // (2) the command name, without its parentheses
	State      byte   // (3) R, S, D, Z (zombie), T, t, X (dead), I, ...
	PPid       int    // (4) the parent's pid
	Pgrp       int    // (5) the process group
	Session    int    // (6) the session
	TTYNr      int    // (7) the controlling terminal's device number, or 0
	TPGid      int    // (8) the terminal's foreground process group, or -1
	Flags      uint   // (9) PF_* flags
	NumThreads int    // (20)
	StartTime  uint64 // (22) start time, in clock ticks after boot
}

// Zombie reports whether the process has exited and waits to be reaped.
func (s ProcStat) Zombie() bool { return s.State == 'Z' }

// Alive reports whether the process has not exited: it is neither a zombie
// nor dead (X, or x on kernels 2.6.33 to 3.13).
func (s ProcStat) Alive() bool { return s.State != 'Z' && s.State != 'X' && s.State != 'x' }

// ParseProcStat parses a /proc/PID/stat line. The command name may hold
// spaces and parentheses: it runs from the first '(' to the last ')'.
func ParseProcStat(line []byte) (ProcStat, error) {
	var s ProcStat
	open, closing := bytes.IndexByte(line, '('), bytes.LastIndexByte(line, ')')
	if open < 0 || closing < open {
		return s, fmt.Errorf("testutil: /proc stat line without (comm): %q", line)
	}
	f := bytes.Fields(line[closing+1:]) // f[i] is field i+3
	if len(f) < 20 || len(f[0]) != 1 {
		return s, fmt.Errorf("testutil: /proc stat line with %d fields after (comm), want 20: %q", len(f), line)
	}
	var err error
	num := func(b []byte) int {
		n, e := strconv.Atoi(string(b))
		if e != nil && err == nil {
			err = e
		}
		return n
	}
	unum := func(b []byte) uint64 {
		n, e := strconv.ParseUint(string(b), 10, 64)
		if e != nil && err == nil {
			err = e
		}
		return n
	}
	s.Pid = num(bytes.TrimSpace(line[:open]))
	s.Comm = string(line[open+1 : closing])
	s.State = f[0][0]
	s.PPid, s.Pgrp, s.Session = num(f[1]), num(f[2]), num(f[3])
	s.TTYNr, s.TPGid, s.Flags = num(f[4]), num(f[5]), uint(unum(f[6]))
	s.NumThreads, s.StartTime = num(f[17]), unum(f[19])
	if err != nil {
		return ProcStat{}, fmt.Errorf("testutil: /proc stat line %q: %w", line, err)
	}
	return s, nil
}

// String is the pid, name and state, as error messages show a process.
func (s ProcStat) String() string {
	return fmt.Sprintf("%d (%s) %c", s.Pid, s.Comm, s.State)
}
