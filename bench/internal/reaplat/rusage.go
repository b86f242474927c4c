package reaplat

import (
	"syscall"
	"time"
)

// cpuTimes is this process's CPU time (user + system) and that of its
// reaped children, from getrusage(2).
type cpuTimes struct{ self, children time.Duration }

func readCPU() (cpuTimes, error) {
	var c cpuTimes
	var r syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
		return c, err
	}
	c.self = time.Duration(r.Utime.Nano() + r.Stime.Nano())
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &r); err != nil {
		return c, err
	}
	c.children = time.Duration(r.Utime.Nano() + r.Stime.Nano())
	return c, nil
}
