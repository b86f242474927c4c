package loop

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/testutil"
)

// Checks inside a timed loop stay `if err != nil { b.Fatal(err) }`: require
// calls b.Helper on every call, even when the check passes, and that cost
// would be measured with each iteration.

func benchBackends(b *testing.B, f func(b *testing.B, l *Loop)) {
	for _, be := range backends() {
		b.Run(be.String(), func(b *testing.B) {
			f(b, testLoop(b, be))
		})
	}
}

// reportP99 adds the 99th percentile of per-operation samples.
func reportP99(b *testing.B, samples []time.Duration) {
	if len(samples) == 0 {
		return
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	b.ReportMetric(float64(samples[len(samples)*99/100].Nanoseconds()), "p99-ns")
}

// BenchmarkFDDispatch: a pipe made readable, one RunOnce delivering it to
// one of n watched fds (the callback drains the pipe).
func BenchmarkFDDispatch(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprint("fds=", n), func(b *testing.B) {
			benchBackends(b, func(b *testing.B, l *Loop) {
				var buf [1]byte
				var hot *[2]int
				for i := range n {
					p := testutil.Pipe(b)
					_, err := l.Watch(p[0], hooks.In, func(fd int, _ hooks.Events) error {
						unix.Read(fd, buf[:])
						return nil
					})
					require.NoError(b, err)
					if i == n/2 {
						hot = p
					}
				}
				one := []byte{1}
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					unix.Write(hot[1], one)
					if err := l.RunOnce(true); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkTimerAddCancel: arm and cancel one timer among 1000 armed.
func BenchmarkTimerAddCancel(b *testing.B) {
	benchBackends(b, func(b *testing.B, l *Loop) {
		nop := func() error { return nil }
		now := time.Now()
		for i := range 1000 {
			l.AddTimer(now.Add(time.Hour+time.Duration(i)*time.Millisecond), nop)
		}
		tm, _ := l.AddTimer(now.Add(time.Hour), nop)
		tm.Cancel()
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			tm.Reset(now.Add(time.Hour + time.Duration(i%1000)*time.Millisecond))
			tm.Cancel()
		}
	})
}

// BenchmarkTimerFire: one due timer fired by one RunOnce, re-armed each time.
func BenchmarkTimerFire(b *testing.B) {
	benchBackends(b, func(b *testing.B, l *Loop) {
		fired := 0
		tm, _ := l.AddTimer(time.Now().Add(time.Hour), func() error { fired++; return nil })
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			tm.Reset(time.Time{})
			if err := l.RunOnce(false); err != nil {
				b.Fatal(err)
			}
		}
		require.Equal(b, b.N, fired, "timers fired")
	})
}

// BenchmarkWakeRoundTrip: Wake from another goroutine while the loop is
// blocked, until RunOnce returns; the p99 of that latency is reported.
func BenchmarkWakeRoundTrip(b *testing.B) {
	benchBackends(b, func(b *testing.B, l *Loop) {
		samples := make([]time.Duration, 0, b.N)
		t0 := make([]time.Time, b.N)
		next := make(chan struct{})
		b.ReportAllocs()
		b.ResetTimer()
		go func() {
			for i := range b.N {
				l.waitPolling(b)
				t0[i] = time.Now()
				l.Wake()
				<-next // the loop has consumed this wake
			}
		}()
		for i := range b.N {
			if err := l.RunOnce(true); err != nil {
				b.Fatal(err)
			}
			samples = append(samples, time.Since(t0[i]))
			next <- struct{}{}
		}
		b.StopTimer()
		reportP99(b, samples)
	})
}
