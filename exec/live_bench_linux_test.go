package exec_test

import (
	"os"
	"runtime"
	"sync"
	"testing"

	clexec "github.com/childloop/childloop/exec"
)

// BenchmarkLiveMemory measures what a live child costs in Go memory while
// a goroutine of the program waits for it, as an os/exec program holds it:
// 3000 /bin/cat children blocked on one shared stdin pipe, each with a
// goroutine in Cmd.Wait.
//
//   - goroutine-B/child is the program's own share, which no library can
//     remove: the heap and stack that 3000 goroutines parked on a channel
//     take the first time they are made (the runtime keeps their records
//     and stacks for reuse afterwards), once per process.
//   - library-B/child is the heap the children's round holds beyond a
//     second round of parked goroutines (which reuses the same records):
//     the Cmd, childproc's record, the waiter's queue entry. Stacks are
//     left out: both rounds hold one minimum-size stack per goroutine (Wait
//     does not grow it), and the runtime's count of reused stacks is loose.
//
// Run it with -benchtime 1x.
func BenchmarkLiveMemory(b *testing.B) {
	const n = 3000
	perChild := func(x int64) float64 { return float64(x) / n }
	b.ReportMetric(perChild(firstParked()), "goroutine-B/child")
	for range b.N {
		heapP, _ := parked(n)

		heap0, _ := inUse()
		pr, pw, err := os.Pipe()
		if err != nil {
			b.Fatal(err)
		}
		errs := make(chan error, n)
		for j := range n {
			cmd := clexec.Command("/bin/cat")
			cmd.Stdin = pr
			if err := cmd.Start(); err != nil {
				pw.Close()
				b.Fatalf("start %d: %v", j, err)
			}
			go func() { errs <- cmd.Wait() }()
		}
		heapC, _ := inUse()
		pw.Close()
		pr.Close()
		for range n {
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(perChild(heapC-heap0-heapP), "library-B/child")
	}
}

// firstParked is the heap and stack of the process's first 3000 parked
// goroutines, measured once.
var firstParked = sync.OnceValue(func() int64 {
	heap, stack := parked(3000)
	return heap + stack
})

// parked returns the heap and stack that n goroutines parked on a channel
// add, measured while they are parked.
func parked(n int) (heap, stack int64) {
	heap0, stack0 := inUse()
	park := make(chan struct{})
	done := make(chan struct{}, n)
	for range n {
		go func() { <-park; done <- struct{}{} }()
	}
	heap1, stack1 := inUse()
	close(park)
	for range n {
		<-done
	}
	return heap1 - heap0, stack1 - stack0
}

// inUse returns the Go heap and stack bytes in use after a GC.
func inUse() (heap, stack int64) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse), int64(m.StackInuse)
}
