//go:build linux

package orphanbench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/loop"
	"golang.org/x/sys/unix"
)

// The helper and factory modes: the command re-executes itself with these
// variables set.
const (
	envMethod  = "ORPHANBENCH_METHOD"  // helper: the method to run
	envN       = "ORPHANBENCH_N"       // helper: live os/exec children
	envM       = "ORPHANBENCH_M"       // helper and factory: orphans
	envChild   = "ORPHANBENCH_CHILD"   // the blocked child program
	envFactory = "ORPHANBENCH_FACTORY" // factory mode
)

// Methods, in table order.
const (
	MethodOrphans = "childloop ModeOrphans"
	MethodReapAll = "childloop ModeReapAll (wait4(-1))"
	MethodGoReap  = "signal.Notify + wait4(-1, WNOHANG) (go-reap)"
)

// Methods lists the rows.
var Methods = []string{MethodOrphans, MethodReapAll, MethodGoReap}

// Point is one helper run's report.
type Point struct {
	Method   string `json:"method"`
	N        int    `json:"n"`         // live os/exec children beside the orphans
	M        int    `json:"m"`         // orphans released
	Reaped   int    `json:"reaped"`    // orphans the reaper reported
	NS       int64  `json:"ns"`        // release to the last orphan reported
	CPUNS    int64  `json:"cpu_ns"`    // the helper's CPU over that time
	ExecLost int    `json:"exec_lost"` // os/exec Waits that did not get their child's status
	Stolen   int    `json:"stolen"`    // pids the reaper took that were not orphans
}

// Helper runs the helper or factory mode if this process is one, and
// returns its exit code and true; otherwise false.
func Helper() (int, bool) {
	if m, ok := os.LookupEnv(envFactory); ok {
		return factory(m), true
	}
	method, ok := os.LookupEnv(envMethod)
	if !ok {
		return 0, false
	}
	p, err := helper(method)
	if err != nil {
		fmt.Fprintln(os.Stderr, "orphans helper:", err)
		return 1, true
	}
	b, _ := json.Marshal(p)
	fmt.Println(string(b))
	return 0, true
}

// factory forks M blocked children reading fd 3, prints their pids and
// exits, which reparents them to the subreaper that started it.
func factory(ms string) int {
	m, err := strconv.Atoi(ms)
	if err != nil {
		return 2
	}
	path := os.Getenv(envChild)
	w := bufio.NewWriter(os.Stdout)
	for range m {
		pid, err := syscall.ForkExec(path, []string{path}, &syscall.ProcAttr{Files: []uintptr{3, 2, 2}})
		if err != nil {
			fmt.Fprintln(os.Stderr, "factory:", err)
			return 1
		}
		fmt.Fprintln(w, pid)
	}
	w.Flush()
	return 0
}

// reaper is one method's way of reaping: start it, it reports each pid
// it reaps to got.
type reaperRun struct {
	stop func()
}

func startReaper(method string, got func(pid int)) (*reaperRun, error) {
	switch method {
	case MethodOrphans, MethodReapAll:
		l, err := loop.New()
		if err != nil {
			return nil, err
		}
		mode := childproc.ModeOrphans
		if method == MethodReapAll {
			mode = childproc.ModeReapAll
		}
		c, err := childproc.New(l, childproc.Config{Mode: mode, OnForeignExit: func(pid int, _ childproc.Status) { got(pid) }})
		if err != nil {
			l.Close()
			return nil, err
		}
		go l.Run()
		return &reaperRun{stop: func() { c.Close(); l.Stop(); l.Close() }}, nil
	case MethodGoReap:
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGCHLD)
		done := make(chan struct{})
		go func() {
			for {
				select {
				case <-ch:
				case <-done:
					return
				}
				for {
					var ws syscall.WaitStatus
					pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
					if err != nil || pid <= 0 {
						break
					}
					got(pid)
				}
			}
		}()
		return &reaperRun{stop: func() { signal.Stop(ch); close(done) }}, nil
	}
	return nil, fmt.Errorf("unknown method %q", method)
}

func helper(method string) (Point, error) {
	p := Point{Method: method}
	var err error
	if p.N, err = strconv.Atoi(os.Getenv(envN)); err != nil {
		return p, err
	}
	if p.M, err = strconv.Atoi(os.Getenv(envM)); err != nil {
		return p, err
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return p, fmt.Errorf("prctl: %w", err)
	}
	path := os.Getenv(envChild)
	var mu sync.Mutex
	orphans, execs := map[int]bool{}, map[int]bool{}
	reaped, stolen := 0, 0
	all := make(chan struct{})
	got := func(pid int) {
		mu.Lock()
		defer mu.Unlock()
		if orphans[pid] {
			delete(orphans, pid)
			if reaped++; reaped == p.M {
				close(all)
			}
		} else if execs[pid] {
			stolen++
		}
	}
	r, err := startReaper(method, got)
	if err != nil {
		return p, err
	}
	defer r.stop()

	// N os/exec children, blocked until q is closed.
	qr, qw, err := os.Pipe()
	if err != nil {
		return p, err
	}
	var wg sync.WaitGroup
	var lost int
	for range p.N {
		cmd := exec.Command(path)
		cmd.Stdin = qr
		mu.Lock() // the reaper may report the pid as soon as it exists
		if err := cmd.Start(); err != nil {
			mu.Unlock()
			return p, fmt.Errorf("os/exec child: %w", err)
		}
		execs[cmd.Process.Pid] = true
		mu.Unlock()
		wg.Go(func() {
			if err := cmd.Wait(); err != nil {
				mu.Lock()
				lost++
				mu.Unlock()
			}
		})
	}
	qr.Close()

	// The orphans: forked by a factory that exits at once.
	or, ow, err := os.Pipe()
	if err != nil {
		return p, err
	}
	self, err := os.Executable()
	if err != nil {
		return p, err
	}
	fac := exec.Command(self)
	fac.Env = append(os.Environ(), envFactory+"="+strconv.Itoa(p.M))
	fac.ExtraFiles = []*os.File{or}
	fac.Stderr = os.Stderr
	out, _ := fac.Output() // a wait4(-1) reaper may take its status: the pids are what counts
	or.Close()
	mu.Lock()
	for _, f := range splitInts(out) {
		orphans[f] = true
	}
	n := len(orphans)
	mu.Unlock()
	if n != p.M {
		return p, fmt.Errorf("the factory printed %d pids, want %d", n, p.M)
	}
	// The factory has exited: its children are ours now. Release them.
	cpu0, t0 := selfCPU(), time.Now()
	ow.Close()
	select {
	case <-all:
	case <-time.After(2 * time.Minute):
	}
	p.NS, p.CPUNS = time.Since(t0).Nanoseconds(), int64(selfCPU()-cpu0)
	qw.Close()
	wg.Wait()
	mu.Lock()
	p.Reaped, p.ExecLost, p.Stolen = reaped, lost, stolen
	mu.Unlock()
	return p, nil
}

func splitInts(b []byte) []int {
	var out []int
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, err := strconv.Atoi(sc.Text()); err == nil {
			out = append(out, v)
		}
	}
	return out
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
