package exec_test

import (
	"encoding/json"
	"fmt"
	"os"
	stdexec "os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/childloop/childloop/exec"
	"github.com/childloop/childloop/internal/testutil"
	"golang.org/x/sys/unix"
)

func init() { helpers["sleepers"] = sleepersHelper }

// waitIdle waits a bounded while for the package's loop to close.
func waitIdle() bool {
	for deadline := time.Now().Add(5 * time.Second); !exec.Idle(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// sleepersReport is what the sleepers helper prints on stdout, as JSON.
type sleepersReport struct {
	N              int
	Started        int
	Failed         []string // the first few failures
	MaxThreads     int      // sampled every few milliseconds while children ran
	ThreadsWaiting int      // read once every child was started and waited for
	RSSWaitingKiB  int      // VmRSS then
	HWMKiB         int      // VmHWM at the end
	FDsBefore      int
	FDsAfter       int
	FDsNew         []string // what the fds open after and not before are
	Zombies        string   // testutil.NoChildren at the end; "" if none
}

// sleepersHelper starts args[1] children (through this package, or through
// os/exec when args[0] is "os/exec"), each from a goroutine of its own
// that then waits for it. Every child is cat reading one shared pipe; once
// all are started and waiting, the helper closes the pipe's write end and
// they all exit 0.
func sleepersHelper(args []string) int {
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: sleepers childloop|os/exec N")
		return 2
	}
	useStd := args[0] == "os/exec"
	n, err := strconv.Atoi(args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err == nil {
		lim.Cur = lim.Max
		_ = unix.Setrlimit(unix.RLIMIT_NOFILE, &lim)
	}
	rep := sleepersReport{N: n}
	// childproc opens one process-wide /dev/null on first use and keeps
	// it: run one child before taking the baseline.
	if err := exec.Command("true").Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// And let the package's loop close, just after that child's end.
	if !waitIdle() {
		fmt.Fprintln(os.Stderr, "the package's loop did not close after its last child")
		return 1
	}
	fds, _ := testutil.OpenFDs()
	rep.FDsBefore = len(fds)
	before, _ := testutil.FDTargets(os.Getpid())

	pr, pw, err := os.Pipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var maxThreads atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			if th := int64(testutil.SelfStatus("Threads")["Threads"]); th > maxThreads.Load() {
				maxThreads.Store(th)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()

	var mu sync.Mutex
	fail := func(s string) {
		mu.Lock()
		if len(rep.Failed) < 10 {
			rep.Failed = append(rep.Failed, s)
		}
		mu.Unlock()
	}
	// At most 64 Starts at a time: os/exec opens /dev/null for the nil
	// Stdout and Stderr before it queues for syscall.ForkLock, so
	// thousands of simultaneous Starts would hold two fds each while they
	// wait, beside a pidfd per live child, and run out of fds (EMFILE)
	// under load. The Waits are all concurrent, which is what is measured.
	starting := make(chan struct{}, 64)
	var started, waiting, done sync.WaitGroup
	var nstarted atomic.Int64
	started.Add(n)
	waiting.Add(n)
	done.Add(n)
	for i := range n {
		go func() {
			defer done.Done()
			var wait func() error
			var code func() int
			var err error
			starting <- struct{}{}
			if useStd {
				c := stdexec.Command("cat")
				c.Stdin = pr
				err = c.Start()
				if err != nil {
					fail(fmt.Sprintf("start %d: %v", i, err))
				}
				wait, code = c.Wait, func() int { return c.ProcessState.ExitCode() }
			} else {
				c := exec.Command("cat")
				c.Stdin = pr
				err = c.Start()
				if err != nil {
					fail(fmt.Sprintf("start %d: %v", i, err))
				}
				wait, code = c.Wait, func() int { return c.ProcessState.ExitCode() }
			}
			<-starting
			if err != nil {
				started.Done()
				waiting.Done()
				return
			}
			nstarted.Add(1)
			started.Done()
			waiting.Done() // about to park in Wait
			if err := wait(); err != nil || code() != 0 {
				fail(fmt.Sprintf("child %d: %v (exit code %d)", i, err, code()))
			}
		}()
	}
	started.Wait()
	waiting.Wait()
	// Every goroutine is in (or about to enter) Wait; let them park.
	time.Sleep(200 * time.Millisecond)
	st := testutil.SelfStatus("Threads", "VmRSS")
	rep.ThreadsWaiting, rep.RSSWaitingKiB = st["Threads"], st["VmRSS"]
	rep.Started = int(nstarted.Load())
	pw.Close()
	done.Wait()
	pr.Close()
	close(stop)
	<-sampled
	rep.MaxThreads = int(maxThreads.Load())
	rep.HWMKiB = testutil.SelfStatus("VmHWM")["VmHWM"]
	// childproc reaps a child (it peeks with WNOWAIT first, so that the
	// pid stays reserved) only after its callbacks ran: the last zombies
	// may outlive the last Wait for a moment.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		err := testutil.NoChildren()
		if err == nil {
			rep.Zombies = ""
			break
		}
		rep.Zombies = err.Error()
		if time.Now().After(deadline) {
			break
		}
	}
	// The package's loop closes its fds once its last child is done,
	// shortly after the last Wait returned.
	if !waitIdle() {
		rep.Failed = append(rep.Failed, "the package's loop did not close after its last child")
	}
	fds, _ = testutil.OpenFDs()
	rep.FDsAfter = len(fds)
	after, _ := testutil.FDTargets(os.Getpid())
	for fd, what := range after {
		if before[fd] != what {
			rep.FDsNew = append(rep.FDsNew, strconv.Itoa(fd)+" "+what)
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		return 1
	}
	return 0
}
