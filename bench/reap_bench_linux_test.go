package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/childloop/childloop/bench/internal/harness"
	"github.com/childloop/childloop/bench/internal/methods"
	"github.com/childloop/childloop/bench/internal/stats"
	"github.com/stretchr/testify/require"
)

// BenchmarkReapLatency runs every in-process row of methods.Rows that has a
// latency function; one b.N iteration is one exit of the fair protocol
// (spawn cat, handshake, close stdin, notice the exit). ns/op is the whole
// cycle; p50-ns and p99-ns are the exit latency alone.
func BenchmarkReapLatency(b *testing.B) {
	for _, m := range methods.Rows() {
		if m.Peer || m.Latency == nil {
			continue
		}
		b.Run(m.Name, func(b *testing.B) {
			if err := m.Check(); err != nil {
				b.Skip(err)
			}
			b.ReportAllocs()
			samples, err := m.Latency(context.Background(), harness.LatencyConfig{N: b.N})
			require.NoError(b, err)
			b.StopTimer()
			lat := make([]time.Duration, len(samples))
			for i, s := range samples {
				lat[i] = s.Latency
			}
			b.ReportMetric(float64(stats.Percentile(lat, 50)), "p50-ns")
			b.ReportMetric(float64(stats.Percentile(lat, 99)), "p99-ns")
		})
	}
}
