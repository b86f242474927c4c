package cgroup

import (
	"bytes"
	"strconv"
	"strings"
	"time"
)

// Usage is what every process of a cell used, those that exited included:
// the cgroup keeps the counts of its processes when they leave, so the
// numbers hold a whole tree's use once it has ended, descendants that were
// never waited for included.
type Usage struct {
	CPU, User, System time.Duration // cpu.stat usage_usec, user_usec, system_usec
	// MemoryPeak is memory.peak in bytes: -1 where the memory controller
	// is not enabled for the cell (memory.peak absent).
	MemoryPeak int64
}

// parseCPUStat reads the usage keys of cpu.stat; MemoryPeak is -1.
func parseCPUStat(b []byte) (Usage, bool) {
	usage, ok1 := keyed(b, "usage_usec")
	user, ok2 := keyed(b, "user_usec")
	system, ok3 := keyed(b, "system_usec")
	return Usage{
		CPU:        time.Duration(usage) * time.Microsecond,
		User:       time.Duration(user) * time.Microsecond,
		System:     time.Duration(system) * time.Microsecond,
		MemoryPeak: -1,
	}, ok1 && ok2 && ok3
}

// keyed returns the value of key in the contents of a flat keyed file
// (cpu.stat, cgroup.events: one "key value" pair a line).
func keyed(b []byte, key string) (int64, bool) {
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if len(line) > len(key) && line[len(key)] == ' ' && string(line[:len(key)]) == key {
			return number(line[len(key)+1:])
		}
	}
	return 0, false
}

// number parses a decimal count, the whole of b but a final newline.
func number(b []byte) (int64, bool) {
	b = bytes.TrimSuffix(b, []byte("\n"))
	if len(b) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		d := int64(c - '0')
		if c < '0' || c > '9' || n > (1<<63-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// hasWord reports whether the space-separated list b has word.
func hasWord(b []byte, word string) bool {
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != ' ' && b[i] != '\n' {
			i++
		}
		if string(b[:i]) == word {
			return true
		}
		if i == len(b) {
			break
		}
		b = b[i+1:]
	}
	return false
}

// pidScanner splits the contents of cgroup.procs (one decimal pid a line)
// into pids as they arrive in chunks of any size: a number cut by a chunk
// boundary is carried over to the next chunk.
type pidScanner struct {
	pid   int  // the digits of the current number seen so far
	inPID bool // the last byte seen was a digit
}

// feed calls f for each pid that ends within chunk; any byte but a digit
// ends a number. It stops at f's first error and returns it.
func (s *pidScanner) feed(chunk []byte, f func(pid int) error) error {
	for _, c := range chunk {
		if '0' <= c && c <= '9' {
			s.pid, s.inPID = s.pid*10+int(c-'0'), true
			continue
		}
		if err := s.end(f); err != nil {
			return err
		}
	}
	return nil
}

// end finishes the current number, if any, as at the end of the file.
func (s *pidScanner) end(f func(pid int) error) error {
	if !s.inPID {
		return nil
	}
	pid := s.pid
	s.pid, s.inPID = 0, false
	return f(pid)
}

// releaseAtLeast reports whether a kernel release as uname(2) gives it
// ("6.18.44-fc-v1045", "5.14-rc1") is version major.minor or later. A
// release it cannot read counts as older.
func releaseAtLeast(release string, major, minor int) bool {
	maj, rest, _ := strings.Cut(release, ".")
	x, ok1 := leadingInt(maj)
	y, ok2 := leadingInt(rest)
	if !ok1 || !ok2 {
		return false
	}
	return x > major || x == major && y >= minor
}

// leadingInt parses the decimal digits s starts with.
func leadingInt(s string) (int, bool) {
	i := 0
	for i < len(s) && i < 6 && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	n, err := strconv.Atoi(s[:i])
	return n, err == nil
}
