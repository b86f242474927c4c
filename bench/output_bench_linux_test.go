package bench_test

import (
	"context"
	"testing"

	"github.com/childloop/childloop/bench/internal/harness"
	"github.com/childloop/childloop/bench/internal/methods"
	"github.com/stretchr/testify/require"
)

// BenchmarkOutput runs every in-process row of methods.Rows that has an
// output function; one b.N iteration is one child writing 64 MiB to its
// stdout, read to the end (no warm-up child: the benchmark's own warm-up
// runs are that). MB/s is 10^6 bytes per second of wall time, spawn and
// reaping included, as in reaplat's output table.
func BenchmarkOutput(b *testing.B) {
	const mib = 64
	for _, m := range methods.Rows() {
		if m.Peer || m.Output == nil {
			continue
		}
		b.Run(m.Name, func(b *testing.B) {
			if err := m.Check(); err != nil {
				b.Skip(err)
			}
			b.ReportAllocs()
			b.SetBytes(mib << 20)
			for b.Loop() {
				_, err := m.Output(context.Background(), harness.OutputConfig{MiB: mib})
				require.NoError(b, err)
			}
		})
	}
}
