//go:build linux && (amd64 || arm64)

package rawsig_test

import (
	"io"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/internal/rawsig"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// BenchmarkExitLatency measures the time from closing a blocked child's
// stdin (/bin/cat) to the moment poll(2) on the self-pipe's read end
// returns, for the raw handler and for a signal.Notify relay goroutine that
// writes to the same kind of pipe. Run with e.g. -benchtime=300x; p50/p99
// are reported in ns.
func BenchmarkExitLatency(b *testing.B) {
	b.Run("raw", func(b *testing.B) {
		r, w := newPipe(b)
		installed(b)
		require.NoError(b, rawsig.Publish([]int32{w}))
		measureExitLatency(b, r)
	})
	b.Run("notify-relay", func(b *testing.B) {
		r, w := newPipe(b)
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGCHLD)
		done := make(chan struct{})
		go func() {
			defer close(done)
			one := []byte{1}
			for range c {
				unix.Write(int(w), one) // EAGAIN: wakeup already pending
			}
		}()
		b.Cleanup(func() {
			signal.Stop(c)
			close(c)
			<-done
		})
		measureExitLatency(b, r)
	})
}

func measureExitLatency(b *testing.B, r int32) {
	b.ReportAllocs()
	lat := make([]time.Duration, 0, b.N)
	buf := make([]byte, 1)
	for b.Loop() {
		cmd := exec.Command("/bin/cat")
		stdin, err := cmd.StdinPipe()
		require.NoError(b, err)
		stdout, err := cmd.StdoutPipe()
		require.NoError(b, err)
		require.NoError(b, cmd.Start())
		// Round trip a byte: cat is running and blocked on stdin.
		_, err = stdin.Write(buf)
		require.NoError(b, err)
		_, err = io.ReadFull(stdout, buf)
		require.NoError(b, err)
		drain(b, r)
		t0 := time.Now()
		stdin.Close()
		for {
			require.True(b, readable(b, r, timeout), "no wakeup")
			drain(b, r)
			// Count only a wakeup after which the child has exited.
			var si unix.Siginfo
			err := unix.Waitid(unix.P_PID, cmd.Process.Pid, &si, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
			require.NoError(b, err)
			if si.Signo != 0 {
				break
			}
		}
		lat = append(lat, time.Since(t0))
		require.NoError(b, cmd.Wait())
	}
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Nanoseconds())
	}
	b.ReportMetric(pct(0.50), "p50-ns")
	b.ReportMetric(pct(0.99), "p99-ns")
}
