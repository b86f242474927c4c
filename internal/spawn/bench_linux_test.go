//go:build linux

package spawn

import (
	"syscall"
	"testing"
)

// BenchmarkBareVfork is the least a spawn can cost the parent: a vfork
// clone whose child exits at once (no exec), and its reaping. It reports the
// parent's CPU time per child (getrusage), the part of spawn+reap a library
// can influence; the README's throughput limit compares against it.
func BenchmarkBareVfork(b *testing.B) {
	if !sharesMemory() {
		b.Skip("CLONE_VM not honoured here")
	}
	var r0, r1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
	b.ResetTimer()
	for range b.N {
		p := &program{probe: true, pidfd: -1}
		gate.acquire()
		pid, errno := vforkRun(p, cloneFlags)
		gate.release()
		if errno != 0 {
			b.Fatal(syscall.Errno(errno))
		}
		reap(int(pid), 0)
	}
	b.StopTimer()
	syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
	cpu := (r1.Utime.Nano() - r0.Utime.Nano()) + (r1.Stime.Nano() - r0.Stime.Nano())
	b.ReportMetric(float64(cpu)/float64(b.N)/1e3, "parent-cpu-µs/op")
}
