package reaplat

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/childloop/childloop/bench/internal/child"
	"github.com/childloop/childloop/bench/internal/harness"
	"github.com/childloop/childloop/internal/spawn"
)

// ptyHelper runs a pty helper job if this process was started as one
// (envPtyJob set; see runPtyHelper), printing its report on stdout, and
// returns its exit code and true; otherwise it returns false at once.
func ptyHelper() (int, bool) {
	spec, ok := os.LookupEnv(envPtyJob)
	if !ok {
		return 0, false
	}
	rep, err := runPtyJob(spec)
	if err == nil {
		var b []byte
		if b, err = json.Marshal(rep); err == nil {
			_, err = os.Stdout.Write(append(b, '\n'))
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, ptyHelperPrefix+err.Error())
		return 1, true
	}
	return 0, true
}

// ptyHelperPrefix starts a helper's error line on its stderr.
const ptyHelperPrefix = "reaplat pty helper: "

// runPtyJob runs the job spec describes with its row's driver.
func runPtyJob(spec string) (ptyReport, error) {
	var job ptyJob
	if err := json.Unmarshal([]byte(spec), &job); err != nil {
		return ptyReport{}, fmt.Errorf("%s: %w", envPtyJob, err)
	}
	// As in Main: childloop's spawn takes its fast path only with the soft
	// RLIMIT_NOFILE at the hard one; every row's children inherit it.
	_ = spawn.NofileToHard()
	d, err := openPtyDriver(job.Row)
	if err != nil {
		return ptyReport{}, err
	}
	defer d.close()
	switch job.Kind {
	case ptyJobOutput:
		return ptyOutputJob(d, job)
	case ptyJobTerminals:
		return ptyTerminalsJob(d, job)
	}
	return ptyReport{}, fmt.Errorf("no pty job kind %q", job.Kind)
}

// ptyOutputJob runs the warm-up child, then the measured one, timing it
// and this process's CPU over it.
func ptyOutputJob(d ptyDriver, job ptyJob) (ptyReport, error) {
	prog := func(mib int) harness.Program {
		return harness.Program{Path: child.OutputPath, Args: child.OutputArgv(mib)}
	}
	got, err := d.output(prog(job.WarmupMiB))
	if err == nil && got != int64(job.WarmupMiB)<<20 {
		err = fmt.Errorf("read %d bytes of the child's %d", got, int64(job.WarmupMiB)<<20)
	}
	if err != nil {
		return ptyReport{}, fmt.Errorf("warm-up child: %w", err)
	}
	cpu0, err := readCPU()
	if err != nil {
		return ptyReport{}, err
	}
	start := time.Now()
	got, err = d.output(prog(job.MiB))
	elapsed := time.Since(start)
	cpu1, cpuErr := readCPU()
	if err != nil {
		return ptyReport{}, err
	}
	if cpuErr != nil {
		return ptyReport{}, cpuErr
	}
	return ptyReport{ElapsedNS: int64(elapsed), CPUNS: int64(cpu1.self - cpu0.self), Bytes: got}, nil
}

// ptyTerminalsJob runs the interactive workload, sampling this process's
// threads and goroutines meanwhile.
func ptyTerminalsJob(d ptyDriver, job ptyJob) (ptyReport, error) {
	s := newSelfSampler()
	s.start()
	start := time.Now()
	var started time.Duration
	f, err := d.terminals(harness.Program{Path: job.Path, Args: job.Args}, job.N, []byte(ptyLine), func() {
		started = time.Since(start)
		s.sample() // the creack/pty row's goroutines peak here
	})
	elapsed := time.Since(start)
	s.stop()
	if err != nil {
		return ptyReport{}, err
	}
	rep := ptyReport{ElapsedNS: int64(elapsed), StartNS: int64(started), Failed: f.failed, Why: f.why,
		MaxThreads: s.maxThreads, MaxGoroutines: s.maxGoroutines, BaseThreads: s.baseThreads, BaseGoroutines: s.baseGoroutines}
	want := int64(2 * len(ptyEcho))
	for _, c := range f.counts {
		if c != want {
			rep.Short++
			rep.Missing += want - c
		}
	}
	return rep, nil
}

// selfSampler polls this process's OS threads (/proc/self/status) and
// goroutines for their most.
type selfSampler struct {
	quit, done chan struct{}

	mu                          sync.Mutex // sample runs on the poller and the driver
	maxThreads, maxGoroutines   int
	baseThreads, baseGoroutines int // before start: the idle helper
}

func newSelfSampler() *selfSampler {
	s := &selfSampler{quit: make(chan struct{}), done: make(chan struct{})}
	s.baseThreads, s.baseGoroutines = selfThreads(), runtime.NumGoroutine()
	return s
}

// start samples every 2 ms, on a goroutine of its own, until stop.
func (s *selfSampler) start() {
	go func() {
		defer close(s.done)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			s.sample()
			select {
			case <-s.quit:
				return
			case <-tick.C:
			}
		}
	}()
}

// sample takes one sample.
func (s *selfSampler) sample() {
	th, g := selfThreads(), runtime.NumGoroutine()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxThreads, s.maxGoroutines = max(s.maxThreads, th), max(s.maxGoroutines, g)
}

// stop ends the polling with a last sample.
func (s *selfSampler) stop() {
	close(s.quit)
	<-s.done
	s.sample()
}

// selfThreads is this process's OS threads, 0 if unknown.
func selfThreads() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	st, _ := parseStatus(string(b))
	return st.Threads
}
