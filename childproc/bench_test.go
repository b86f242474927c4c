//go:build linux

package childproc_test

import (
	"os"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/knob"
	"github.com/childloop/childloop/loop"
	"github.com/stretchr/testify/require"
)

// Checks inside a timed loop (newCatPipes and handshake run only there)
// stay `if err != nil { b.Fatal(err) }`: require calls b.Helper on every
// call, even when the check passes, and that cost would be measured with
// each iteration.

// catChild starts the latency probe's child: /bin/cat with piped stdin and
// stdout. It returns once cat has echoed one byte, i.e. is blocked reading.
type catChild struct {
	stdin  *os.File // parent's write end; closing it makes cat exit
	stdout *os.File // parent's read end
}

func newCatPipes(b *testing.B) (childIn, childOut *os.File, p catChild) {
	inR, inW, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	return inR, outW, catChild{stdin: inW, stdout: outR}
}

// handshake proves the child is running cat's read loop.
func (p catChild) handshake(b *testing.B) {
	var buf [1]byte
	if _, err := p.stdin.Write([]byte{'x'}); err != nil {
		b.Fatal(err)
	}
	if _, err := p.stdout.Read(buf[:]); err != nil {
		b.Fatal(err)
	}
}

func report(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Nanoseconds()) }
	b.ReportMetric(pct(0.50), "p50-ns")
	b.ReportMetric(pct(0.99), "p99-ns")
}

// BenchmarkExitLatency measures how long after a blocked child's stdin is
// closed its death callback starts (t0: just before close; t1: callback
// entry), per strategy and signal source, beside exec.Cmd.Wait in a
// goroutine. One iteration is one child.
func BenchmarkExitLatency(b *testing.B) {
	for _, v := range variants() {
		b.Run(v.name, func(b *testing.B) {
			c, stop := benchCtx(b, v)
			defer stop()
			lat := make([]time.Duration, 0, b.N)
			got := make(chan time.Time, 1)
			onExit := func(*childproc.Child, childproc.Status) { got <- time.Now() }
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				in, out, p := newCatPipes(b)
				_, err := c.Spawn(&childproc.Cmd{Path: "/bin/cat", Args: []string{"cat"}, Stdin: in, Stdout: out, OnExit: onExit})
				in.Close()
				out.Close()
				if err != nil {
					b.Fatal(err)
				}
				p.handshake(b)
				t0 := time.Now()
				p.stdin.Close()
				t1 := <-got
				lat = append(lat, t1.Sub(t0))
				p.stdout.Close()
			}
			report(b, lat)
		})
	}
	b.Run("exec.Cmd.Wait", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			cmd := exec.Command("/bin/cat")
			in, out, p := newCatPipes(b)
			cmd.Stdin, cmd.Stdout = in, out
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			in.Close()
			out.Close()
			got := make(chan time.Time, 1)
			go func() { cmd.Wait(); got <- time.Now() }()
			p.handshake(b)
			t0 := time.Now()
			p.stdin.Close()
			lat = append(lat, (<-got).Sub(t0))
			p.stdout.Close()
		}
		report(b, lat)
	})
}

// BenchmarkSpawnReap spawns and reaps /bin/true with 64 children in flight;
// one iteration is one child.
func BenchmarkSpawnReap(b *testing.B) {
	const inflight = 64
	for _, v := range variants() {
		b.Run(v.name, func(b *testing.B) {
			c, stop := benchCtx(b, v)
			defer stop()
			sem := make(chan struct{}, inflight)
			var wg sync.WaitGroup
			onExit := func(*childproc.Child, childproc.Status) { <-sem; wg.Done() }
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				sem <- struct{}{}
				wg.Add(1)
				if _, err := c.Spawn(&childproc.Cmd{Path: "/bin/true", Args: []string{"true"}, OnExit: onExit}); err != nil {
					b.Fatal(err)
				}
			}
			wg.Wait()
		})
	}
	b.Run("exec.Cmd", func(b *testing.B) {
		sem := make(chan struct{}, inflight)
		var wg sync.WaitGroup
		for i := 0; i < b.N; i++ {
			sem <- struct{}{}
			wg.Add(1)
			cmd := exec.Command("/bin/true")
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			go func() { cmd.Wait(); <-sem; wg.Done() }()
		}
		wg.Wait()
	})
}

// BenchmarkExitDispatch measures the exit path alone — wake-up, reaping,
// bookkeeping, callback dispatch — with allocations: children are spawned
// with the timer stopped, blocked on one shared pipe, and released at once.
// One iteration is one exit; allocs/op is what the library allocates per
// exit after warm-up (the callback itself allocates nothing).
func BenchmarkExitDispatch(b *testing.B) {
	for _, v := range variants() {
		b.Run(v.name, func(b *testing.B) {
			require.NoError(b, knob.SetSource(v.source))
			defer knob.SetSource(knob.SourceAuto)
			l, err := loop.New()
			require.NoError(b, err)
			defer l.Close()
			c, err := childproc.NewWithStrategy(l, childHooks(childproc.ModeKeep), v.strategy)
			require.NoError(b, err)
			defer c.Close()
			exited := 0
			onExit := func(*childproc.Child, childproc.Status) { exited++ }
			const batch = 2000
			b.ReportAllocs()
			b.StopTimer()
			for left := b.N; left > 0; left -= batch {
				n := min(left, batch)
				pr, pw, err := os.Pipe() // the timer is stopped here: require is fine
				require.NoError(b, err)
				for i := 0; i < n; i++ {
					_, err := c.Spawn(&childproc.Cmd{Path: "/bin/cat", Args: []string{"cat"}, Stdin: pr, OnExit: onExit})
					require.NoError(b, err)
				}
				pr.Close()
				// Settle: consume wake-ups the spawns caused.
				for l.RunOnce(false) == nil && exited < 0 {
				}
				exited = 0
				b.StartTimer()
				pw.Close()
				for exited < n {
					if err := l.RunOnce(true); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
			}
		})
	}
}

// benchCtx is a default-Config context of variant v on a reference loop
// running on its own goroutine until the benchmark ends; stop closes the
// context and restores the source.
func benchCtx(b *testing.B, v variant) (*childproc.Parent, func()) {
	require.NoError(b, knob.SetSource(v.source))
	l := childproc.StartLoop(b)
	c, err := childproc.NewWithStrategy(l, childHooks(childproc.ModeOwn), v.strategy)
	require.NoError(b, err)
	return c, func() {
		c.Close()
		knob.SetSource(knob.SourceAuto)
	}
}
