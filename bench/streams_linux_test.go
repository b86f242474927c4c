package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/internal/spawn"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/childloop/childloop/loop"
	"github.com/stretchr/testify/require"
)

// streamsChildren and streamsKiB size BenchmarkConcurrentStreams: that many
// children, each writing that much to its stdout once all are running.
const (
	streamsChildren = 1000
	streamsKiB      = 1024
)

// streamsScript is every child of the benchmark: sh blocks reading its
// stdin (one pipe shared by all children, closed by the parent once the
// last one is spawned), then becomes dd writing KiB KiB of zeros in 64 KiB
// writes. All of them are alive, and then all stream at once.
const streamsScript = `read -r _; exec dd if=/dev/zero bs=64k count="$1" status=none`

// streamsResult is one helper process's report, one JSON line on stdout.
type streamsResult struct {
	SpawnNS        int64 `json:"spawn_ns"`  // spawning every child
	StreamNS       int64 `json:"stream_ns"` // from the release to the last child's end
	Bytes          int64 `json:"bytes"`
	BaseGoroutines int   `json:"base_goroutines"`
	PeakGoroutines int   `json:"peak_goroutines"`
	BaseThreads    int   `json:"base_threads"`
	PeakThreads    int   `json:"peak_threads"`
	BaseRSSKiB     int   `json:"base_rss_kib"`
	PeakRSSKiB     int   `json:"peak_rss_kib"` // VmHWM at the end
}

// BenchmarkConcurrentStreams is 1000 children streaming their stdout at
// once, read by childloop (one loop goroutine, a library pipe each with
// Output.OnData counting) and by os/exec (Cmd.StdoutPipe, a goroutine each
// running io.Copy(io.Discard) then Cmd.Wait). One iteration is one fresh
// helper process running one variant; the metrics are its peaks (sampled
// every 2 ms; RSS is the kernel's VmHWM) above its state before the first
// spawn, averaged over iterations, and the stream phase's MB/s.
func BenchmarkConcurrentStreams(b *testing.B) {
	for _, variant := range []string{"childloop", "exec"} {
		b.Run(variant, func(b *testing.B) {
			var sum streamsResult
			for b.Loop() {
				cmd := testutil.HelperCommand(b, "streams", variant, strconv.Itoa(streamsChildren), strconv.Itoa(streamsKiB))
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				require.NoError(b, err, "helper: %s", stderr.String())
				var r streamsResult
				require.NoError(b, json.Unmarshal(out, &r), "helper output %q", out)
				require.Equal(b, int64(streamsChildren)*streamsKiB<<10, r.Bytes, "bytes streamed")
				sum.SpawnNS += r.SpawnNS
				sum.StreamNS += r.StreamNS
				sum.PeakGoroutines += r.PeakGoroutines - r.BaseGoroutines
				sum.PeakThreads += r.PeakThreads - r.BaseThreads
				sum.PeakRSSKiB += r.PeakRSSKiB - r.BaseRSSKiB
				sum.Bytes += r.Bytes
			}
			n := float64(b.N)
			b.ReportMetric(float64(sum.PeakGoroutines)/n, "goroutines")
			b.ReportMetric(float64(sum.PeakThreads)/n, "threads")
			b.ReportMetric(float64(sum.PeakRSSKiB)/n/1024, "RSS-MiB")
			b.ReportMetric(float64(sum.SpawnNS)/n/1e6, "spawn-ms")
			b.ReportMetric(float64(sum.Bytes)/(float64(sum.StreamNS)/1e9)/1e6, "MB/s")
		})
	}
}

// streamsHelper runs one variant in this (fresh) process: args are the
// variant, the number of children and the KiB each writes.
func streamsHelper(args []string) int {
	if len(args) != 3 {
		fmt.Fprintln(os.Stderr, "streams helper: want VARIANT CHILDREN KIB, got", args)
		return 2
	}
	n, err1 := strconv.Atoi(args[1])
	kib, err2 := strconv.Atoi(args[2])
	if err := errors.Join(err1, err2); err != nil || kib%64 != 0 {
		fmt.Fprintln(os.Stderr, "streams helper:", err, "(KiB must be a multiple of 64)")
		return 2
	}
	if err := spawn.NofileToHard(); err != nil {
		fmt.Fprintln(os.Stderr, "setrlimit:", err)
		return 2
	}
	var run func(n, kib int, stdin *os.File, started func()) (int64, error)
	switch args[0] {
	case "childloop":
		run = streamChildloop
	case "exec":
		run = streamExec
	default:
		fmt.Fprintln(os.Stderr, "streams helper: unknown variant", args[0])
		return 2
	}
	r, err := measureStreams(n, kib, run)
	if err != nil {
		fmt.Fprintln(os.Stderr, "streams helper:", err)
		return 1
	}
	b, _ := json.Marshal(r)
	fmt.Println(string(b))
	return 0
}

// measureStreams runs run under a sampler of goroutines, threads and RSS.
// run spawns n children on stdin, calls started once all are spawned (which
// releases them), and returns the bytes read once every child is done.
func measureStreams(n, kib int, run func(n, kib int, stdin *os.File, started func()) (int64, error)) (streamsResult, error) {
	var r streamsResult
	runtime.GC()
	st, err := procStatus()
	if err != nil {
		return r, err
	}
	r.BaseGoroutines, r.BaseThreads, r.BaseRSSKiB = runtime.NumGoroutine(), st["Threads"], st["VmRSS"]
	stop, sampled := make(chan struct{}), make(chan struct{})
	var peakG, peakT atomic.Int64
	go func() {
		defer close(sampled)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			// The sampler is one goroutine more than the variant's.
			peakG.Store(max(peakG.Load(), int64(runtime.NumGoroutine()-1)))
			if st, err := procStatus(); err == nil {
				peakT.Store(max(peakT.Load(), int64(st["Threads"])))
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	rd, wr, err := os.Pipe()
	if err != nil {
		return r, err
	}
	start := time.Now()
	var release time.Time
	got, err := run(n, kib, rd, func() {
		rd.Close()
		release = time.Now()
		r.SpawnNS = int64(release.Sub(start))
		wr.Close()
	})
	r.StreamNS = int64(time.Since(release))
	rd.Close()
	wr.Close()
	close(stop)
	<-sampled
	if err != nil {
		return r, err
	}
	st, err = procStatus()
	if err != nil {
		return r, err
	}
	r.Bytes, r.PeakGoroutines, r.PeakThreads, r.PeakRSSKiB = got, int(peakG.Load()), int(peakT.Load()), st["VmHWM"]
	return r, nil
}

// procStatus reads the numeric fields of /proc/self/status that the
// benchmark uses (Threads; VmRSS and VmHWM in KiB).
func procStatus() (map[string]int, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "Threads" && k != "VmRSS" && k != "VmHWM") {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			continue
		}
		if m[k], err = strconv.Atoi(fields[0]); err != nil {
			return nil, fmt.Errorf("/proc/self/status %s: %w", k, err)
		}
	}
	return m, sc.Err()
}

// streamsArgv is the children's argv.
func streamsArgv(kib int) []string {
	return []string{"sh", "-c", streamsScript, "sh", strconv.Itoa(kib / 64)}
}

// streamChildloop: one parent on a reference loop running on its own
// goroutine; every child's stdout a library pipe streamed to a counter.
func streamChildloop(n, kib int, stdin *os.File, started func()) (int64, error) {
	l, err := loop.New()
	if err != nil {
		return 0, err
	}
	defer l.Close()
	c, err := childproc.New(l, childproc.Config{})
	if err != nil {
		return 0, err
	}
	defer c.Close()
	ran := make(chan error, 1)
	go func() { ran <- l.Run() }()
	var got atomic.Int64
	var done sync.WaitGroup
	var failed atomic.Value
	onData := func(p []byte) { got.Add(int64(len(p))) }
	onDone := func(ch *childproc.Child, r *childproc.Result) {
		if !r.Status.Success() || r.Cut {
			failed.CompareAndSwap(nil, fmt.Errorf("%v: %v, cut %v", ch, r.Status, r.Cut))
		}
		done.Done()
	}
	var spawnErr error
	for range n {
		done.Add(1)
		_, err := c.Spawn(&childproc.Cmd{Path: "/bin/sh", Args: streamsArgv(kib), Env: []string{}, Stdin: stdin,
			Stdout: childproc.OnData(onData), OnDone: onDone})
		if err != nil {
			done.Done()
			spawnErr = err
			break
		}
	}
	started()
	done.Wait()
	l.Stop()
	err = <-ran
	if f, _ := failed.Load().(error); f != nil {
		spawnErr = errors.Join(spawnErr, f)
	}
	return got.Load(), errors.Join(spawnErr, err)
}

// streamExec: exec.Cmd with StdoutPipe; a goroutine per child copies its
// stdout to io.Discard, then waits for it.
func streamExec(n, kib int, stdin *os.File, started func()) (int64, error) {
	var got atomic.Int64
	var done sync.WaitGroup
	var failed atomic.Value
	var spawnErr error
	for range n {
		cmd := exec.Command("/bin/sh", streamsArgv(kib)[1:]...)
		cmd.Env = []string{}
		cmd.Stdin = stdin
		p, err := cmd.StdoutPipe()
		if err == nil {
			err = cmd.Start()
		}
		if err != nil {
			spawnErr = err
			break
		}
		done.Add(1)
		go func() {
			defer done.Done()
			k, err := io.Copy(io.Discard, p)
			got.Add(k)
			if err = errors.Join(err, cmd.Wait()); err != nil {
				failed.CompareAndSwap(nil, err)
			}
		}()
	}
	started()
	done.Wait()
	if f, _ := failed.Load().(error); f != nil {
		spawnErr = errors.Join(spawnErr, f)
	}
	return got.Load(), spawnErr
}
