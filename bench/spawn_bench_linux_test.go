package bench

import (
	"fmt"
	"sync"
	"syscall"
	"testing"

	"github.com/childloop/childloop/internal/spawn"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
)

// BenchmarkSpawnOnly is the spawn-throughput ceiling: /bin/true with an
// empty environment from g goroutines, the children reaped off the clock by
// a separate goroutine, one iteration per spawn. It compares
// syscall.ForkExec (what os/exec and the peers' Go rows use) with the
// library's default spawn (internal/spawn: the same vfork clone without the
// exec-status pipe). Compare its spawns/s with the reaplat throughput table:
// the gap between the two is what reaping and dispatch cost.
func BenchmarkSpawnOnly(b *testing.B) {
	for _, fn := range []struct {
		name string
		f    spawnFunc
	}{{"syscall.ForkExec", syscall.ForkExec}, {"childloop", spawn.ForkExec}} {
		for _, g := range []int{1, 2, 4} {
			b.Run(fmt.Sprintf("spawn=%s/goroutines=%d", fn.name, g), func(b *testing.B) {
				benchSpawn(b, fn.f, g)
			})
		}
	}
}

// spawnFunc is syscall.ForkExec's signature, shared by the two spawns measured;
// spelled out rather than named from the library's hooks so that this file
// does not follow the library's API as it changes.
type spawnFunc func(argv0 string, argv []string, attr *syscall.ProcAttr) (int, error)

func benchSpawn(b *testing.B, spawnFn spawnFunc, g int) {
	pids := make(chan int, 1024)
	var reaped sync.WaitGroup
	reaped.Add(1)
	go func() {
		defer reaped.Done()
		for pid := range pids {
			_, _ = testutil.Reap(pid)
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
				pid, err := spawnFn("/bin/true", []string{"true"}, attr)
				if !assert.NoError(b, err) {
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
}
