//go:build unix

// Package machine describes the machine a benchmark ran on, for the
// headings and the JSON of reaplat and runnercmp, and holds their shared
// flag handling.
package machine

import (
	"bufio"
	"flag"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// Kernel describes the running kernel as `uname -srm` does.
func Kernel() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return "unknown"
	}
	return unix.ByteSliceToString(u.Sysname[:]) + " " + unix.ByteSliceToString(u.Release[:]) +
		" " + unix.ByteSliceToString(u.Machine[:])
}

// CPUModel returns the first "model name" of /proc/cpuinfo, or "unknown".
func CPUModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// QuickDefaults gives every int flag of into that the command line did
// not set (fs parsed) its -quick value from small: -quick shrinks what was
// not asked for explicitly.
func QuickDefaults(fs *flag.FlagSet, into map[string]*int, small map[string]int) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for name, p := range into {
		if !set[name] {
			*p = small[name]
		}
	}
}

// Set reports whether the command line set flag name (fs parsed).
func Set(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
