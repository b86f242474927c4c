package bench

import (
	"fmt"
	"sync"
	"syscall"
	"testing"
)

// BenchmarkForkExecOnly is the spawn-throughput ceiling every method shares:
// syscall.ForkExec of /bin/true with an empty environment, from g
// goroutines, with the children reaped off the clock by a separate
// goroutine. One iteration is one spawn. Compare its children/s with the
// reaplat throughput table: when they match, the reaping path costs
// nothing measurable and spawn+reap is bound by fork+exec (serialised by
// syscall.ForkLock, the parent suspended until the child execs).
func BenchmarkForkExecOnly(b *testing.B) {
	for _, g := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("goroutines=%d", g), func(b *testing.B) {
			pids := make(chan int, 1024)
			var reaped sync.WaitGroup
			reaped.Add(1)
			go func() {
				defer reaped.Done()
				for pid := range pids {
					var ws syscall.WaitStatus
					for {
						if _, err := syscall.Wait4(pid, &ws, 0, nil); err != syscall.EINTR {
							break
						}
					}
				}
			}()
			attr := &syscall.ProcAttr{Env: []string{}}
			var next sync.Mutex
			left := b.N
			var wg sync.WaitGroup
			b.ResetTimer()
			for range g {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						next.Lock()
						if left == 0 {
							next.Unlock()
							return
						}
						left--
						next.Unlock()
						pid, err := syscall.ForkExec("/bin/true", []string{"true"}, attr)
						if err != nil {
							b.Error(err)
							return
						}
						pids <- pid
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			close(pids)
			reaped.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "spawns/s")
		})
	}
}
