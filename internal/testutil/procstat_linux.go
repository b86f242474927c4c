package testutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"syscall"
)

// ReadProcStat reads /proc/PID/stat. For a process that does not exist (or
// vanished while being read) the error satisfies
// errors.Is(err, fs.ErrNotExist); a zombie still has its stat.
func ReadProcStat(pid int) (ProcStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if errors.Is(err, syscall.ESRCH) || errors.Is(err, fs.ErrNotExist) {
		return ProcStat{}, fmt.Errorf("testutil: process %d: %w", pid, fs.ErrNotExist)
	}
	if err != nil {
		return ProcStat{}, err
	}
	return ParseProcStat(b)
}

// Procs reads the stat of every process /proc lists (those of other pid
// namespaces excepted), in pid order. A process that exits while Procs runs
// may be missing.
func Procs() ([]ProcStat, error) {
	names, err := readDirNames("/proc")
	if err != nil {
		return nil, err
	}
	var out []ProcStat
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		s, err := ReadProcStat(pid)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b ProcStat) int { return a.Pid - b.Pid })
	return out, nil
}

// ChildrenOf returns the processes whose parent is ppid, zombies included,
// in pid order (see Procs).
func ChildrenOf(ppid int) ([]ProcStat, error) {
	all, err := Procs()
	return slices.DeleteFunc(all, func(s ProcStat) bool { return s.PPid != ppid }), err
}
