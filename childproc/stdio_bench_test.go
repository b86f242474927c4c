//go:build linux

package childproc_test

import (
	"math"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childloop/childloop/childproc"
)

// Checks inside the measured window stay `if err != nil { b.Fatal(err) }`
// or plain comparisons, as in bench_test.go: require calls Helper on every
// call.

// streamer is a child that writes zeros to a library stdout pipe for ever
// (cat /dev/zero), streamed to an OnData callback that only counts, on a
// reference loop running on its own goroutine. The benchmark goroutine
// waits until the callback has seen a given number of chunks.
type streamer struct {
	ch     *childproc.Child
	chunks atomic.Int64 // OnData calls so far
	bytes  atomic.Int64 // bytes they carried
	target atomic.Int64 // chunk count to signal at
	fired  atomic.Bool  // reached has been signalled for target
	reach  chan struct{}
	done   chan *childproc.Result
}

// newStreamer starts the child on a fresh loop and context; both end with
// tb (Kill, then the Result is awaited, in stop).
func newStreamer(tb testing.TB) *streamer {
	tb.Helper()
	l := childproc.StartLoop(tb)
	c, err := childproc.New(l, childproc.Config{})
	require.NoError(tb, err)
	tb.Cleanup(func() { c.Close() })
	s := &streamer{reach: make(chan struct{}, 1), done: make(chan *childproc.Result, 1)}
	s.target.Store(math.MaxInt64)
	onData := func(p []byte) {
		n := s.chunks.Add(1)
		s.bytes.Add(int64(len(p)))
		if n >= s.target.Load() && s.fired.CompareAndSwap(false, true) {
			s.reach <- struct{}{}
		}
	}
	s.ch, err = c.Spawn(&childproc.Cmd{
		Path: "/bin/cat", Args: []string{"cat", "/dev/zero"}, Env: []string{},
		Stdout: childproc.OnData(onData),
		OnDone: func(_ *childproc.Child, r *childproc.Result) { s.done <- r },
	})
	require.NoError(tb, err)
	return s
}

// await blocks until OnData has run n more times (from now) and returns the
// chunks and bytes seen meanwhile (at least n chunks: the loop goes on). It
// allocates nothing: the hang guard's timer is the caller's, made before
// the allocation count is read.
func (s *streamer) await(tb testing.TB, n int64, guard <-chan time.Time) (chunks, bytes int64) {
	c0, b0 := s.chunks.Load(), s.bytes.Load()
	s.fired.Store(false)
	s.target.Store(c0 + n)
	if s.chunks.Load() >= c0+n && s.fired.CompareAndSwap(false, true) {
		s.reach <- struct{}{} // the loop got there before the target was set
	}
	select {
	case <-s.reach:
	case <-guard:
		tb.Fatalf("OnData: %d of %d chunks within %v", s.chunks.Load()-c0, n, hangGuard)
	}
	s.target.Store(math.MaxInt64)
	return s.chunks.Load() - c0, s.bytes.Load() - b0
}

// stop kills the child and waits for its Result: the stream was cut only
// by the kill, and every byte read went through OnData.
func (s *streamer) stop(tb testing.TB) {
	tb.Helper()
	require.NoError(tb, s.ch.Kill())
	select {
	case r := <-s.done:
		assert.False(tb, r.Cut, "Result.Cut")
		assert.Equal(tb, s.bytes.Load(), r.StdoutTotal, "bytes streamed vs Result.StdoutTotal")
	case <-time.After(hangGuard):
		require.FailNow(tb, "OnDone never ran")
	}
}

// streamWarmup is how many chunks pass before anything is measured: the
// read buffer's pool, the loop's ready list and the runtime's own first-use
// allocations are filled by then.
const streamWarmup = 2000

// mallocs returns the process's heap allocation count and bytes so far.
func mallocs() (n, bytes uint64) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs, m.TotalAlloc
}

// BenchmarkStdioStream is the zero-allocation check of stream mode: one op
// is one chunk handed to Output.OnData (one read(2) of up to 64 KiB from
// the child's pipe, through the loop's readiness callback). allocs/op
// counts every allocation of the process while the chunks pass (the loop
// goroutine's included), after streamWarmup chunks; allocs/chunk and
// B-alloc/MiB say the same per chunk and per MiB streamed, and KiB/chunk
// is the mean chunk.
func BenchmarkStdioStream(b *testing.B) {
	s := newStreamer(b)
	guard := time.After(hangGuard)
	s.await(b, streamWarmup, guard)
	b.ReportAllocs()
	n0, a0 := mallocs()
	b.ResetTimer()
	chunks, bytes := s.await(b, int64(b.N), guard)
	b.StopTimer()
	n1, a1 := mallocs()
	s.stop(b)
	mib := float64(bytes) / (1 << 20)
	b.ReportMetric(float64(n1-n0)/float64(chunks), "allocs/chunk")
	b.ReportMetric(float64(a1-a0)/mib, "B-alloc/MiB")
	b.ReportMetric(float64(bytes)/float64(chunks)/1024, "KiB/chunk")
	b.ReportMetric(float64(bytes)/b.Elapsed().Seconds()/1e6, "MB/s")
}

// TestStdioStreamAllocs makes the check a test: after the warm-up, 5000
// chunks through OnData cost (next to) no allocation. The bound leaves room
// for the runtime's and the test framework's own occasional allocations,
// and for the read buffer's pool refilling itself (sync.Pool keeps one
// buffer per P, so the loop goroutine moving to another P, or two GCs,
// cost one 64 KiB allocation), not for one per chunk. Measured without
// -race only.
func TestStdioStreamAllocs(t *testing.T) {
	const n = 5000
	s := newStreamer(t)
	guard := time.After(hangGuard)
	s.await(t, streamWarmup, guard)
	n0, _ := mallocs()
	chunks, _ := s.await(t, n, guard)
	n1, _ := mallocs()
	s.stop(t)
	perChunk := float64(n1-n0) / float64(chunks)
	t.Logf("%d allocations over %d chunks: %.4f per chunk", n1-n0, chunks, perChunk)
	if raceBuild {
		t.Skip("-race: sync.Pool drops buffers on purpose; the count is not the library's")
	}
	assert.Less(t, perChunk, 0.01, "allocations per chunk in stream mode")
}

// BenchmarkStdioCapture is capture mode's cost beside it: one op is one
// child (head -c 64 MiB of zeros) whose stdout is kept whole
// (Output.Limit = 64 MiB), spawned and driven to OnDone. B-alloc/MiB is
// what the library allocated per MiB kept: the capture grows by append, so
// it is a multiple of the 1 MiB finally kept, every growth a fresh
// allocation that the kernel must fault in and the previous one copied.
func BenchmarkStdioCapture(b *testing.B) {
	const size = 64 << 20
	l := childproc.StartLoop(b)
	c, err := childproc.New(l, childproc.Config{})
	require.NoError(b, err)
	defer c.Close()
	done := make(chan *childproc.Result, 1)
	cmd := &childproc.Cmd{
		Path: "/usr/bin/head", Args: []string{"head", "-c", "67108864", "/dev/zero"}, Env: []string{},
		Stdout: &childproc.Output{Limit: size},
		OnDone: func(_ *childproc.Child, r *childproc.Result) { done <- r },
	}
	if _, err := os.Stat(cmd.Path); err != nil {
		b.Skip(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	var allocated uint64
	for b.Loop() {
		_, a0 := mallocs()
		_, err := c.Spawn(cmd)
		if err != nil {
			b.Fatal(err)
		}
		r := <-done
		_, a1 := mallocs()
		allocated += a1 - a0
		if len(r.Stdout) != size || !r.Status.Success() {
			b.Fatalf("captured %d bytes of %d, %v", len(r.Stdout), size, r.Status)
		}
	}
	b.ReportMetric(float64(allocated)/float64(b.N)/(size>>20), "B-alloc/MiB")
}
