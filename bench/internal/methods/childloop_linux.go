//go:build linux

package methods

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/childloop/childloop/bench/internal/child"
	"github.com/childloop/childloop/bench/internal/harness"
	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/loop"
)

// childloopRows are childloop's paths, in table order: one row per mode ×
// reap strategy × SIGCHLD source that matters, library-owned pidfd (the
// default) first.
func childloopRows() []harness.Row {
	const scale, throughput = true, true
	return []harness.Row{
		childloopRow{name: "childloop library-owned, pidfd (default)", def: true,
			mode: childproc.LibraryOwned, strategy: childproc.ReapPidfd, source: childproc.SourceAuto}.row(scale, throughput),
		// Latency only: its scale and throughput behaviour is the
		// default's (the same strategy); left out to keep the run short.
		childloopRow{name: "childloop always-selective, pidfd",
			mode: childproc.AlwaysSelective, strategy: childproc.ReapPidfd, source: childproc.SourceAuto}.row(!scale, !throughput),
		childloopRow{name: "childloop library-owned, scan + raw handler",
			mode: childproc.LibraryOwned, strategy: childproc.ReapScan, source: childproc.SourceRaw}.row(scale, throughput),
		// Loop-thread delivery: the kernel offers SIGCHLD first to the
		// thread that forked the child; here that thread also polls.
		// Latency only, as its scale and throughput behaviour is the row
		// above's.
		childloopRow{name: "childloop library-owned, scan + raw handler, thread locked", lockThread: true,
			mode: childproc.LibraryOwned, strategy: childproc.ReapScan, source: childproc.SourceRaw}.row(!scale, !throughput),
		childloopRow{name: "childloop library-owned, scan + Notify relay",
			mode: childproc.LibraryOwned, strategy: childproc.ReapScan, source: childproc.SourceRelay}.row(scale, throughput),
		// Always mode reaps every child of the process: next to the scale
		// section's idle children it would reap them.
		childloopRow{name: "childloop always, raw handler + wait4(-1)",
			mode: childproc.Always, strategy: childproc.ReapAuto, source: childproc.SourceRaw}.row(!scale, throughput),
		childloopRow{name: "childloop always, Notify relay + wait4(-1)",
			mode: childproc.Always, strategy: childproc.ReapAuto, source: childproc.SourceRelay}.row(!scale, throughput),
		// Not in the scale section: there it reaps with the per-pid scan
		// of the two scan rows above, and a Mainloop context's Adopt makes
		// a pass over all its children before returning, so adopting the
		// 10000 idle children is quadratic: it took 24–27 s per round, a
		// third of the whole run, for a curve the scan rows already draw.
		childloopRow{name: "childloop mainloop, app's signal.Notify",
			mode: childproc.Mainloop, strategy: childproc.ReapScan, source: childproc.SourceAuto}.row(!scale, throughput),
	}
}

// childloopRow is one childloop path: a mode, a reaping strategy and a
// SIGCHLD source, on the reference loop. The measuring goroutine drives the
// loop itself (RunOnce), as an application that owns its loop does; t1 is
// the entry of the child's death callback.
type childloopRow struct {
	name       string
	def        bool // childloop's default configuration
	mode       hooks.ChildMode
	strategy   childproc.ReapStrategy
	source     childproc.SourceKind
	lockThread bool // keep the spawning and polling goroutine on one OS thread
}

// row is r as a table row, in the scale and throughput sections or not.
func (r childloopRow) row(scale, throughput bool) harness.Row {
	hr := harness.Row{Name: r.name, Default: r.def, Scale: scale, Available: r.available, Latency: r.latency}
	if throughput {
		hr.Throughput = r.throughput
	}
	return hr
}

func (r childloopRow) available() error {
	if !childproc.ReapStrategySupported(r.strategy) {
		return fmt.Errorf("reap strategy %v: kernel too old", r.strategy)
	}
	if !childproc.SourceSupported(r.source) {
		return fmt.Errorf("signal source %v: not on %s/%s", r.source, runtime.GOOS, runtime.GOARCH)
	}
	return nil
}

// clSession is one context on one reference loop, with the state the
// death callback writes (loop goroutine or, in Mainloop mode, the signal
// goroutine).
type clSession struct {
	row  childloopRow
	l    *loop.Loop
	c    *childproc.Context
	mu   sync.Mutex
	t1   time.Time
	done bool
	st   childproc.Status
	exit chan struct{}  // Mainloop: signalled by the callback
	sigs chan os.Signal // Mainloop: the application's own SIGCHLD channel
	quit chan struct{}  // Mainloop: stops the signal goroutine
	wg   sync.WaitGroup
}

func (r childloopRow) open() (*clSession, error) {
	if err := childproc.SetSignalSource(r.source); err != nil {
		return nil, err
	}
	l, err := loop.New()
	if err != nil {
		return nil, err
	}
	s := &clSession{row: r, l: l, exit: make(chan struct{}, 1)}
	var foreign func(int, childproc.Status)
	if r.mode == childproc.Always {
		foreign = func(int, childproc.Status) {}
	}
	s.c, err = childproc.New(l, hooks.ChildHooks{Mode: r.mode, ForeignChild: foreign}, childproc.WithReapStrategy(r.strategy))
	if err != nil {
		l.Close()
		return nil, err
	}
	if r.mode == childproc.Mainloop {
		// The application's own way: signal.Notify and a goroutine that
		// tells the context.
		s.sigs = make(chan os.Signal, 1)
		s.quit = make(chan struct{})
		signal.Notify(s.sigs, syscall.SIGCHLD)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for {
				select {
				case <-s.sigs:
					s.c.SigchldOccurred()
				case <-s.quit:
					return
				}
			}
		}()
	}
	return s, nil
}

func (s *clSession) close() {
	if s.sigs != nil {
		signal.Stop(s.sigs)
		close(s.quit)
		s.wg.Wait()
	}
	s.c.Close()
	s.l.Close()
	childproc.SetSignalSource(childproc.SourceAuto)
}

func (s *clSession) onExit(_ *childproc.Child, st childproc.Status) {
	t1 := time.Now()
	s.mu.Lock()
	s.t1, s.done, s.st = t1, true, st
	s.mu.Unlock()
	select {
	case s.exit <- struct{}{}:
	default:
	}
}

// one runs the fair protocol for one /bin/cat child.
func (s *clSession) one() (harness.Sample, error) {
	s.mu.Lock()
	s.done = false
	s.mu.Unlock()
	cat, err := child.SpawnCatWith(func(in, out *os.File) (int, error) {
		ch, err := s.c.Spawn(&childproc.Cmd{Path: child.CatPath, Args: []string{"cat"}, Env: []string{}, Stdin: in, Stdout: out, OnExit: s.onExit})
		if err != nil {
			return 0, err
		}
		return ch.Pid(), nil
	})
	if err != nil {
		return harness.Sample{}, err
	}
	return catExit(cat, func() (time.Time, error) {
		if err := s.waitExit(); err != nil {
			return time.Time{}, err
		}
		s.mu.Lock()
		t1, st := s.t1, s.st
		s.mu.Unlock()
		if !st.Success() {
			return t1, fmt.Errorf("cat %d: %v", cat.Pid, st)
		}
		return t1, nil
	})
}

// waitExit drives the loop until the callback has run (Mainloop: waits for
// the signal goroutine's callback).
func (s *clSession) waitExit() error {
	if s.row.mode == childproc.Mainloop {
		<-s.exit
		return nil
	}
	for {
		s.mu.Lock()
		done := s.done
		s.mu.Unlock()
		if done {
			return nil
		}
		if err := s.l.RunOnce(true); err != nil {
			return err
		}
	}
}

// latency adopts cfg.Idle into the context (so a per-pid scan must walk
// them), measures, and disowns them again.
func (r childloopRow) latency(ctx context.Context, cfg harness.LatencyConfig) ([]harness.Sample, error) {
	if r.lockThread {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	s, err := r.open()
	if err != nil {
		return nil, err
	}
	defer s.close()
	idle := cfg.Idle
	adopted := make([]*childproc.Child, 0, len(idle))
	defer func() {
		for _, ch := range adopted {
			ch.Disown()
		}
	}()
	for _, pid := range idle {
		ch, err := s.c.Adopt(pid, func(*childproc.Child, childproc.Status) {})
		if err != nil {
			return nil, fmt.Errorf("adopt idle child %d: %w", pid, err)
		}
		adopted = append(adopted, ch)
	}
	if len(idle) > 0 && r.mode != childproc.Mainloop {
		// Adopt kicks the self-pipe; consume that wake-up now.
		if err := s.l.RunOnce(false); err != nil {
			return nil, err
		}
	}
	return sequential(ctx, cfg, s.one)
}

// throughput spawns from GOMAXPROCS goroutines while the loop runs on its
// own goroutine and reaps.
func (r childloopRow) throughput(ctx context.Context, cfg harness.ThroughputConfig) (time.Duration, error) {
	s, err := r.open()
	if err != nil {
		return 0, err
	}
	defer s.close()
	runErr := make(chan error, 1)
	if r.mode != childproc.Mainloop {
		go func() { runErr <- s.l.Run() }()
	} else {
		runErr <- nil
	}
	sem := make(chan struct{}, cfg.Concurrency)
	var wg sync.WaitGroup
	var errOnce sync.Once
	var firstErr error
	onExit := func(_ *childproc.Child, st childproc.Status) {
		if !st.Success() {
			errOnce.Do(func() { firstErr = fmt.Errorf("true: %v", st) })
		}
		<-sem
		wg.Done()
	}
	start := time.Now()
	var spawners sync.WaitGroup
	next := make(chan struct{})
	go func() {
		defer close(next)
		for i := 0; i < cfg.Total && ctx.Err() == nil; i++ {
			next <- struct{}{}
		}
	}()
	for range runtime.GOMAXPROCS(0) {
		spawners.Add(1)
		go func() {
			defer spawners.Done()
			for range next {
				sem <- struct{}{}
				wg.Add(1)
				if _, err := s.c.Spawn(&childproc.Cmd{Path: child.TruePath, Args: []string{"true"}, Env: []string{}, OnExit: onExit}); err != nil {
					errOnce.Do(func() { firstErr = err })
					<-sem
					wg.Done()
				}
			}
		}()
	}
	spawners.Wait()
	wg.Wait()
	elapsed := time.Since(start)
	s.l.Stop()
	if err := <-runErr; err != nil && !errors.Is(err, loop.ErrClosed) && firstErr == nil {
		firstErr = err
	}
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return elapsed, firstErr
}
