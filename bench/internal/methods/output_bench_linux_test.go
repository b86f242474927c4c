//go:build linux

package methods

import (
	"context"
	"fmt"
	"testing"

	"github.com/childloop/childloop/bench/internal/child"
	"github.com/childloop/childloop/bench/internal/harness"
	"github.com/stretchr/testify/require"
)

// BenchmarkRawOutput is the hand-written read loop of the output section
// over the choices a library has: the read size, the pipe's capacity
// (F_SETPIPE_SZ; 0 keeps the kernel's 64 KiB) and, for capture, growing the
// kept bytes by append (what childproc does up to Output.Limit), by
// doubling, or sizing them once. One iteration is one child writing 64 MiB, read to EOF and
// reaped; MB/s counts its bytes over the whole iteration.
func BenchmarkRawOutput(b *testing.B) {
	const mib = 64
	if err := child.OutputAvailable(); err != nil {
		b.Skip(err)
	}
	var cases []rawOutput
	for _, pipe := range []int{0, 256 << 10, 1 << 20} {
		for _, buf := range []int{16 << 10, 64 << 10, 256 << 10, 1 << 20} {
			cases = append(cases, rawOutput{buf: buf, pipe: pipe})
		}
	}
	for _, c := range []captureMode{captureAppend, captureDouble, capturePrealloc} {
		cases = append(cases, rawOutput{buf: 64 << 10, capture: c})
	}
	for _, r := range cases {
		name := fmt.Sprintf("read=%dKiB/pipe=%dKiB", r.buf>>10, max(r.pipe, 64<<10)>>10)
		switch r.capture {
		case captureAppend:
			name += "/capture=append"
		case captureDouble:
			name += "/capture=double"
		case capturePrealloc:
			name += "/capture=prealloc"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(mib << 20)
			for b.Loop() {
				_, err := r.output(context.Background(), harness.OutputConfig{MiB: mib})
				require.NoError(b, err)
			}
		})
	}
}
