package cgroup

import (
	"errors"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/internal/spawn"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/require"
)

// benchGroup is newGroup for benchmarks.
func benchGroup(b *testing.B) *Group {
	b.Helper()
	if os.Geteuid() != 0 {
		b.Skip("needs root: cgroups are made in the process's own cgroup")
	}
	dir, err := Probe()
	if err != nil {
		b.Skipf("needs a cgroup2 hierarchy: %v", err)
	}
	if err := Check(dir); err != nil {
		b.Skipf("needs a cgroup2 directory with cgroup.kill: %v", err)
	}
	g, err := NewGroup(dir)
	if err != nil {
		b.Skipf("needs a writable cgroup2 directory: %v", err)
	}
	b.Cleanup(func() { require.NoError(b, g.Close()) })
	return g
}

// devNull is /dev/null three times, for the children's stdio.
func devNull(b *testing.B) []uintptr {
	b.Helper()
	f, err := os.Open(os.DevNull)
	require.NoError(b, err)
	b.Cleanup(func() { f.Close() })
	return []uintptr{f.Fd(), f.Fd(), f.Fd()}
}

// wait4 reaps pid, blocking.
func wait4(b *testing.B, pid int) {
	var ws syscall.WaitStatus
	for {
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		require.NoError(b, err)
		return
	}
}

// cpuTime is the CPU time (user and system) of who: syscall.RUSAGE_SELF
// or RUSAGE_CHILDREN (those reaped).
func cpuTime(b *testing.B, who int) time.Duration {
	var ru syscall.Rusage
	require.NoError(b, syscall.Getrusage(who, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU makes b report, when it ends, the CPU time per op of this
// process (cpu-ns/op: every thread, the Go runtime's included) and of the
// children it reaped meanwhile (child-cpu-ns/op): wall time per op is
// mostly the children's and the kernel's waits.
func reportCPU(b *testing.B) {
	self, children := cpuTime(b, syscall.RUSAGE_SELF), cpuTime(b, syscall.RUSAGE_CHILDREN)
	b.Cleanup(func() {
		if b.N > 0 {
			b.ReportMetric(float64((cpuTime(b, syscall.RUSAGE_SELF)-self).Nanoseconds())/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64((cpuTime(b, syscall.RUSAGE_CHILDREN)-children).Nanoseconds())/float64(b.N), "child-cpu-ns/op")
		}
	})
}

// BenchmarkSpawn is the cost of a cell per child: /bin/true spawned and
// reaped, plainly (syscall.ForkExec, and internal/spawn's fast path for
// reference: childproc's spawner, which leaves UseCgroupFD to
// syscall.ForkExec) and into a new cell that is then removed, with the
// tree's usage read as childproc does (cell), or not (cell-bare).
// ebusy/op counts Removes right after the reap that found the cell busy.
func BenchmarkSpawn(b *testing.B) {
	argv := []string{"true"}
	b.Run("plain", func(b *testing.B) {
		attr := &syscall.ProcAttr{Files: devNull(b)}
		b.ReportAllocs()
		reportCPU(b)
		for b.Loop() {
			pid, err := syscall.ForkExec("/bin/true", argv, attr)
			require.NoError(b, err)
			wait4(b, pid)
		}
	})
	b.Run("spawn-fast", func(b *testing.B) {
		require.NoError(b, spawn.NofileToHard())
		attr := &syscall.ProcAttr{Files: devNull(b)}
		b.ReportAllocs()
		reportCPU(b)
		for b.Loop() {
			pid, err := spawn.ForkExec("/bin/true", argv, attr)
			require.NoError(b, err)
			wait4(b, pid)
		}
	})
	for _, usage := range []bool{false, true} {
		name := "cell-bare"
		if usage {
			name = "cell"
		}
		b.Run(name, func(b *testing.B) {
			g := benchGroup(b)
			files := devNull(b)
			ebusy := 0
			b.ReportAllocs()
			reportCPU(b)
			for b.Loop() {
				c, err := g.NewCell()
				require.NoError(b, err)
				pid, err := syscall.ForkExec("/bin/true", argv, &syscall.ProcAttr{
					Files: files,
					Sys:   &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: c.FD()},
				})
				require.NoError(b, err)
				wait4(b, pid)
				if usage {
					populated, err := c.Populated()
					require.NoError(b, err)
					require.False(b, populated)
					_, err = c.Usage()
					require.NoError(b, err)
				}
				for {
					err := c.Remove()
					if !errors.Is(err, syscall.EBUSY) {
						require.NoError(b, err)
						break
					}
					ebusy++
				}
			}
			b.ReportMetric(float64(ebusy)/float64(b.N), "ebusy/op")
		})
	}
}

// BenchmarkSpawnRecycled is BenchmarkSpawn's cell case with the cell
// recycled instead of removed, as childproc does at each end: /bin/true
// spawned into the group's cell, reaped, the cell found empty, its usage
// read and the cell recycled for the next round; forked by
// syscall.ForkExec, and by internal/spawn's fast path (childproc's), which
// clones into the cell with clone3.
func BenchmarkSpawnRecycled(b *testing.B) {
	for _, fork := range []struct {
		name string
		fn   func(string, []string, *syscall.ProcAttr) (int, error)
	}{{"syscall", syscall.ForkExec}, {"spawn-fast", spawn.ForkExec}} {
		b.Run(fork.name, func(b *testing.B) {
			require.NoError(b, spawn.NofileToHard())
			g := benchGroup(b)
			if g.memory {
				b.Skip("the group enables memory for its cells, which are then never recycled")
			}
			files := devNull(b)
			argv := []string{"true"}
			b.ReportAllocs()
			reportCPU(b)
			for b.Loop() {
				c, err := g.NewCell()
				require.NoError(b, err)
				pid, err := fork.fn("/bin/true", argv, &syscall.ProcAttr{
					Files: files,
					Sys:   &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: c.FD()},
				})
				require.NoError(b, err)
				wait4(b, pid)
				populated, err := c.Populated()
				require.NoError(b, err)
				require.False(b, populated)
				_, err = c.Usage()
				require.NoError(b, err)
				require.True(b, c.Recycle())
			}
		})
	}
}

// BenchmarkCell is a cell made and removed with no process in it.
func BenchmarkCell(b *testing.B) {
	g := benchGroup(b)
	b.ReportAllocs()
	reportCPU(b)
	for b.Loop() {
		c, err := g.NewCell()
		require.NoError(b, err)
		require.NoError(b, c.Remove())
	}
}

// BenchmarkKill measures what the design of tree stops depends on, for a
// cell holding one sleep(1) (one) or a shell with two sleeps, one of them
// setsid'd (tree): after cgroup.kill, how often an immediate Remove finds
// the cell busy (ebusy-now), how often the cell is still populated when
// waitid first reports the direct child's exit (populated-at-exit), how
// long until the cell is empty (p50-ns, p99-ns, max-ns: Kill to the first
// Populated false, read in a tight loop), and how often Remove still
// finds it busy then (ebusy-empty). Run with -benchtime=200x.
func BenchmarkKill(b *testing.B) {
	for _, tc := range []struct {
		name  string
		argv  []string
		procs int
	}{
		{"one", []string{"/bin/sleep", "30"}, 1},
		{"tree", []string{"/bin/sh", "-c", "sleep 30 & setsid sleep 30 & wait"}, 3},
	} {
		b.Run(tc.name, func(b *testing.B) {
			g := benchGroup(b)
			files := devNull(b)
			var took []time.Duration
			var ebusyNow, populatedAtExit, ebusyEmpty int
			for b.Loop() {
				b.StopTimer()
				c, err := g.NewCell()
				require.NoError(b, err)
				pid, err := syscall.ForkExec(tc.argv[0], tc.argv, &syscall.ProcAttr{
					Files: files,
					Sys:   &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: c.FD()},
				})
				require.NoError(b, err)
				for {
					pids, err := c.Procs()
					require.NoError(b, err)
					if len(pids) == tc.procs {
						break
					}
					time.Sleep(100 * time.Microsecond)
				}
				b.StartTimer()

				t0 := time.Now()
				require.NoError(b, c.Kill())
				err = c.Remove()
				if err == nil {
					took = append(took, time.Since(t0))
					wait4(b, pid)
					continue
				}
				require.ErrorIs(b, err, syscall.EBUSY)
				ebusyNow++
				require.NoError(b, testutil.WaitExited(pid))
				populated, err := c.Populated()
				require.NoError(b, err)
				if populated {
					populatedAtExit++
				}
				for populated {
					populated, err = c.Populated()
					require.NoError(b, err)
				}
				took = append(took, time.Since(t0))
				b.StopTimer()
				for {
					err := c.Remove()
					if !errors.Is(err, syscall.EBUSY) {
						require.NoError(b, err)
						break
					}
					ebusyEmpty++
				}
				wait4(b, pid)
				b.StartTimer()
			}
			slices.Sort(took)
			n := float64(len(took))
			b.ReportMetric(float64(took[len(took)/2].Nanoseconds()), "p50-ns")
			b.ReportMetric(float64(took[len(took)*99/100].Nanoseconds()), "p99-ns")
			b.ReportMetric(float64(took[len(took)-1].Nanoseconds()), "max-ns")
			b.ReportMetric(float64(ebusyNow)/n, "ebusy-now")
			b.ReportMetric(float64(populatedAtExit)/n, "populated-at-exit")
			b.ReportMetric(float64(ebusyEmpty)/n, "ebusy-empty")
		})
	}
}
