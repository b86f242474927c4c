//go:build linux

package methods

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/childloop/childloop/bench/internal/child"
	"github.com/childloop/childloop/bench/internal/harness"
	"github.com/childloop/childloop/childproc"
	clexec "github.com/childloop/childloop/exec"
	"github.com/childloop/childloop/internal/knob"
	"github.com/childloop/childloop/loop"
)

// childloopRows are childloop's paths, in table order: one row per kind of
// context × reap strategy × SIGCHLD source that matters, the default Config
// with pidfds first. Strategies and sources other than the default are
// forced through internal/knob.
func childloopRows() []harness.Row {
	const scale, throughput = true, true
	return []harness.Row{
		withMany(childloopRow{name: "childloop default (pidfd)", def: true,
			mode: childproc.ModeOwn, strategy: knob.StrategyPidfd, source: knob.SourceAuto}.row(scale, throughput), childloopMany),
		// Latency only: its scale and throughput behaviour is the
		// default's (the same strategy); left out to keep the run short.
		childloopRow{name: "childloop KeepSigchld, pidfd",
			mode: childproc.ModeKeep, strategy: knob.StrategyPidfd, source: knob.SourceAuto}.row(!scale, !throughput),
		// Throughput only: the default parent spawned into from
		// GOMAXPROCS goroutines instead of its loop's callbacks.
		childloopRow{name: "childloop default (pidfd), Spawn from GOMAXPROCS goroutines", spawners: true,
			mode: childproc.ModeOwn, strategy: knob.StrategyPidfd, source: knob.SourceAuto}.throughputRow(),
		// Throughput only: the default row's callbacks calling Start
		// rather than Spawn, so that the parent's spawner goroutines
		// fork while the loop reaps.
		childloopRow{name: "childloop default (pidfd), Start from the callbacks", start: true,
			mode: childproc.ModeOwn, strategy: knob.StrategyPidfd, source: knob.SourceAuto}.throughputRow(),
		childloopRow{name: "childloop default, scan + raw handler",
			mode: childproc.ModeOwn, strategy: knob.StrategyScan, source: knob.SourceRaw}.row(scale, throughput),
		// Loop-thread delivery: the kernel offers SIGCHLD first to the
		// thread that forked the child; here that thread also polls.
		// Latency only, as its scale and throughput behaviour is the row
		// above's.
		childloopRow{name: "childloop default, scan + raw handler, thread locked", lockThread: true,
			mode: childproc.ModeOwn, strategy: knob.StrategyScan, source: knob.SourceRaw}.row(!scale, !throughput),
		childloopRow{name: "childloop default, scan + Notify relay",
			mode: childproc.ModeOwn, strategy: knob.StrategyScan, source: knob.SourceRelay}.row(scale, throughput),
		// ModeReapAll reaps every child of the process: next to the scale
		// section's idle children it would reap them.
		withMany(childloopRow{name: "childloop ReapAll, raw handler + wait4(-1)",
			mode: childproc.ModeReapAll, strategy: knob.StrategyAuto, source: knob.SourceRaw}.row(!scale, throughput), childloopManyReapAll),
		childloopRow{name: "childloop ReapAll, Notify relay + wait4(-1)",
			mode: childproc.ModeReapAll, strategy: knob.StrategyAuto, source: knob.SourceRelay}.row(!scale, throughput),
		// Many section only: the os/exec-shaped package, whose Wait parks
		// a goroutine on the package's own loop.
		{Name: "childloop exec (blocking front-end)", Many: childloopExecMany},
		// Not in the scale section: there it reaps with the per-pid scan
		// of the two scan rows above, so its curve would repeat theirs.
		childloopRow{name: "childloop AppSigchld, app's signal.Notify",
			mode: childproc.ModeApp, strategy: knob.StrategyScan, source: knob.SourceAuto}.row(!scale, throughput),
	}
}

// config is mode m's childproc.Config; foreign is needed by ModeReapAll.
func config(m childproc.Mode, foreign func(int, childproc.Status)) childproc.Config {
	return childproc.Config{Mode: m, OnForeignExit: foreign}
}

// childloopRow is one childloop path: a mode, a reaping strategy and a
// SIGCHLD source, on the reference loop. The measuring goroutine drives the
// loop itself (RunOnce), as an application that owns its loop does; t1 is
// the entry of the child's death callback.
type childloopRow struct {
	name       string
	def        bool // childloop's default configuration
	mode       childproc.Mode
	strategy   knob.Strategy
	source     knob.Source
	lockThread bool // keep the spawning and polling goroutine on one OS thread
	spawners   bool // throughput: spawn from GOMAXPROCS goroutines, not from the callbacks
	start      bool // throughput: the callbacks call Start, not Spawn
}

// row is r as a table row, in the scale and throughput sections or not.
func (r childloopRow) row(scale, throughput bool) harness.Row {
	hr := harness.Row{Name: r.name, Default: r.def, Scale: scale, Available: r.available, Latency: r.latency}
	if throughput {
		hr.Throughput = r.throughput
	}
	return hr
}

// throughputRow is r as a row of the throughput section only.
func (r childloopRow) throughputRow() harness.Row {
	return harness.Row{Name: r.name, Available: r.available, Throughput: r.throughput}
}

// withMany puts hr in the many section with f.
func withMany(hr harness.Row, f harness.ManyFunc) harness.Row {
	hr.Many = f
	return hr
}

func (r childloopRow) available() error {
	if !knob.StrategySupported(r.strategy) {
		return fmt.Errorf("reap strategy %v: kernel too old", r.strategy)
	}
	if !knob.SourceSupported(r.source) {
		return fmt.Errorf("signal source %v: not on %s/%s", r.source, runtime.GOOS, runtime.GOARCH)
	}
	return nil
}

// clSession is one parent on one reference loop, with the state the
// death callback writes (loop goroutine or, with ModeApp, the signal
// goroutine).
type clSession struct {
	row  childloopRow
	l    *loop.Loop
	c    *childproc.Parent
	mu   sync.Mutex
	t1   time.Time
	done bool
	st   childproc.Status
	exit chan struct{}  // ModeApp: signalled by the callback
	sigs chan os.Signal // ModeApp: the application's own SIGCHLD channel
	quit chan struct{}  // ModeApp: stops the signal goroutine
	wg   sync.WaitGroup
}

func (r childloopRow) open() (*clSession, error) {
	if err := knob.SetSource(r.source); err != nil {
		return nil, err
	}
	l, err := loop.New()
	if err != nil {
		return nil, err
	}
	s := &clSession{row: r, l: l, exit: make(chan struct{}, 1)}
	var foreign func(int, childproc.Status)
	if r.mode == childproc.ModeReapAll {
		foreign = func(int, childproc.Status) {}
	}
	if err := knob.SetStrategy(r.strategy); err != nil {
		l.Close()
		return nil, err
	}
	s.c, err = childproc.New(l, config(r.mode, foreign))
	_ = knob.SetStrategy(knob.StrategyAuto)
	if err != nil {
		l.Close()
		return nil, err
	}
	if r.mode == childproc.ModeApp {
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
	knob.SetSource(knob.SourceAuto)
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

// waitExit drives the loop until the callback has run (ModeApp: waits for
// the signal goroutine's callback).
func (s *clSession) waitExit() error {
	if s.row.mode == childproc.ModeApp {
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

// latency adopts cfg.Idle into the parent (so a per-pid scan must walk
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
	if len(idle) > 0 && r.mode != childproc.ModeApp {
		// Adopt kicks the self-pipe; consume that wake-up now.
		if err := s.l.RunOnce(false); err != nil {
			return nil, err
		}
	}
	return sequential(ctx, cfg, s.one)
}

// throughput spawns and reaps cfg.Total children, cfg.Concurrency in
// flight. By default it is shaped as the hand-written floor is, and as an
// application that owns its loop runs children: the first children are
// spawned before the loop runs, and each death callback spawns the next,
// on the loop goroutine (with ModeApp, on the goroutine that tells the
// context of SIGCHLD). With spawners, GOMAXPROCS goroutines call Spawn
// while the loop runs on a goroutine of its own and hands each slot back
// through a channel: the shape of a program whose workers share one
// context, which pays Go's goroutine hand-offs on top.
func (r childloopRow) throughput(ctx context.Context, cfg harness.ThroughputConfig) (harness.ThroughputRun, error) {
	if r.spawners {
		return r.throughputSpawners(ctx, cfg)
	}
	s, err := r.open()
	if err != nil {
		return harness.ThroughputRun{}, err
	}
	defer s.close()
	// mu orders the callbacks (the signal goroutine's, with ModeApp)
	// after the first spawns; on the loop goroutine it is never contended.
	var mu sync.Mutex
	var spawned, done int
	var firstErr error
	finished := make(chan struct{})
	var onExit func(*childproc.Child, childproc.Status)
	var started func(*childproc.Child, error)
	spawn := func() {
		for firstErr == nil && spawned-done < cfg.Concurrency && spawned < cfg.Total {
			if firstErr = ctx.Err(); firstErr != nil {
				break
			}
			cmd := &childproc.Cmd{Path: cfg.Child.Path, Args: cfg.Child.Args, Env: []string{}, OnExit: onExit}
			var err error
			if r.start {
				err = s.c.Start(cmd, started)
			} else {
				_, err = s.c.Spawn(cmd)
			}
			if err != nil {
				firstErr = err
				break
			}
			spawned++
		}
		if done == spawned {
			close(finished)
		}
	}
	onExit = func(_ *childproc.Child, st childproc.Status) {
		mu.Lock()
		defer mu.Unlock()
		if !st.Success() && firstErr == nil {
			firstErr = fmt.Errorf("%s: %v", cfg.Child.Path, st)
		}
		done++
		spawn()
	}
	started = func(_ *childproc.Child, err error) {
		if err == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
		}
		done++ // it will not exit
		spawn()
	}
	start := time.Now()
	mu.Lock()
	spawn()
	mu.Unlock()
	if r.mode == childproc.ModeApp {
		<-finished
	} else {
	wait:
		for {
			select {
			case <-finished:
				break wait
			default:
			}
			if err := s.l.RunOnce(true); err != nil {
				// The loop is broken: stop here; s.close kills and
				// reaps what is still in flight.
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				break
			}
		}
	}
	elapsed := time.Since(start)
	mu.Lock()
	defer mu.Unlock()
	return harness.ThroughputRun{Elapsed: elapsed}, firstErr
}

// throughputSpawners is throughput with GOMAXPROCS spawning goroutines.
func (r childloopRow) throughputSpawners(ctx context.Context, cfg harness.ThroughputConfig) (harness.ThroughputRun, error) {
	s, err := r.open()
	if err != nil {
		return harness.ThroughputRun{}, err
	}
	defer s.close()
	runErr := make(chan error, 1)
	go func() { runErr <- s.l.Run() }()
	sem := make(chan struct{}, cfg.Concurrency)
	var wg sync.WaitGroup
	var errOnce sync.Once
	var firstErr error
	onExit := func(_ *childproc.Child, st childproc.Status) {
		if !st.Success() {
			errOnce.Do(func() { firstErr = fmt.Errorf("%s: %v", cfg.Child.Path, st) })
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
				if _, err := s.c.Spawn(&childproc.Cmd{Path: cfg.Child.Path, Args: cfg.Child.Args, Env: []string{}, OnExit: onExit}); err != nil {
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
	if err := <-runErr; err != nil && !errors.Is(err, fs.ErrClosed) && firstErr == nil {
		firstErr = err
	}
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return harness.ThroughputRun{Elapsed: elapsed}, firstErr
}

// childloopOutputRows are the output section's childloop rows: the zero
// Config on the reference loop, the child's stdout a library pipe either
// captured whole (Output.Limit = the child's size) or streamed to an
// OnData callback that only counts. The measuring goroutine drives the
// loop with RunOnce, as in the latency rows; the run ends at OnDone's
// entry, when the library has the exit and every byte.
func childloopOutputRows() []harness.Row {
	return []harness.Row{
		{Name: "childloop capture (Output.Limit)", Default: true,
			Available: child.OutputAvailable, Output: childloopOutput{}.output},
		{Name: "childloop stream (OnData)", Default: true,
			Available: child.OutputAvailable, Output: childloopOutput{stream: true}.output},
	}
}

// childloopOutput is one childloop output row.
type childloopOutput struct {
	stream bool // OnData counting; otherwise capture
}

func (o childloopOutput) output(ctx context.Context, cfg harness.OutputConfig) (time.Duration, error) {
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
	return outputRuns(ctx, cfg, func(mib int) (time.Duration, error) { return o.one(l, c, mib) })
}

func (o childloopOutput) one(l *loop.Loop, c *childproc.Parent, mib int) (time.Duration, error) {
	want := int64(mib) << 20
	var (
		streamed int64
		res      *childproc.Result
		t1       time.Time
	)
	var out io.Writer = &childproc.Output{Limit: int(want)}
	if o.stream {
		out = childproc.OnData(func(p []byte) { streamed += int64(len(p)) })
	}
	cmd := &childproc.Cmd{Path: child.OutputPath, Args: child.OutputArgv(mib), Env: []string{}, Stdout: out,
		OnDone: func(_ *childproc.Child, r *childproc.Result) { t1, res = time.Now(), r }}
	start := time.Now()
	ch, err := c.Spawn(cmd)
	if err != nil {
		return 0, err
	}
	for res == nil {
		if err := l.RunOnce(true); err != nil {
			ch.Kill()
			return 0, err
		}
	}
	var status error
	switch {
	case !res.Status.Success():
		status = fmt.Errorf("dd %d: %v", ch.Pid(), res.Status)
	case res.Cut:
		status = fmt.Errorf("dd %d: output cut at the drain deadline", ch.Pid())
	}
	got := res.StdoutTotal
	if o.stream && streamed != got {
		status = errors.Join(status, fmt.Errorf("OnData got %d bytes, Result.StdoutTotal says %d", streamed, got))
	}
	if !o.stream && int64(len(res.Stdout)) != got {
		status = errors.Join(status, fmt.Errorf("captured %d bytes, Result.StdoutTotal says %d", len(res.Stdout), got))
	}
	return t1.Sub(start), checkOutput(got, mib, status)
}

// childloopMany is the many section's childloop row: the zero Config on
// the reference loop (pidfd reaping), every child spawned from this
// goroutine, which then drives the loop until every death callback ran.
func childloopMany(ctx context.Context, cfg harness.ManyConfig) (harness.ManyCounts, error) {
	return childloopManyWith(ctx, cfg, childproc.Config{})
}

// childloopExecMany is the blocking front-end's row: the os/exec program
// of execMany with package exec in place of os/exec.
func childloopExecMany(ctx context.Context, cfg harness.ManyConfig) (harness.ManyCounts, error) {
	return startWaitMany(ctx, cfg, func() (func() error, error) {
		cmd := clexec.Command(cfg.Path)
		cmd.Env = []string{}
		cmd.Stdin = cfg.Stdin
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		return cmd.Wait, nil
	})
}

// childloopManyReapAll is the ModeReapAll row: wait4(-1) after SIGCHLD, so no
// fd per child (a pidfd-reaped child holds one, and RLIMIT_NOFILE may
// not let N of them open).
func childloopManyReapAll(ctx context.Context, cfg harness.ManyConfig) (harness.ManyCounts, error) {
	if err := knob.SetSource(knob.SourceRaw); err != nil {
		return harness.ManyCounts{}, err
	}
	return childloopManyWith(ctx, cfg, childproc.Config{Mode: childproc.ModeReapAll, OnForeignExit: func(int, childproc.Status) {}})
}

func childloopManyWith(ctx context.Context, cfg harness.ManyConfig, ccfg childproc.Config) (harness.ManyCounts, error) {
	l, err := loop.New()
	if err != nil {
		return harness.ManyCounts{}, err
	}
	defer l.Close()
	c, err := childproc.New(l, ccfg)
	if err != nil {
		return harness.ManyCounts{}, err
	}
	defer c.Close()
	var n harness.ManyCounts
	onExit := func(_ *childproc.Child, st childproc.Status) {
		n.Exited++
		if !st.Success() {
			n.Failed++
		}
	}
	for i := range cfg.N {
		if _, err := c.Spawn(&childproc.Cmd{Path: cfg.Path, Args: []string{cfg.Path}, Env: []string{}, Stdin: cfg.Stdin, OnExit: onExit}); err != nil {
			return n, fmt.Errorf("spawn %d of %d: %w", i+1, cfg.N, err)
		}
	}
	cfg.Started()
	for n.Exited < cfg.N && ctx.Err() == nil {
		if err := l.RunOnce(true); err != nil {
			return n, err
		}
	}
	return n, ctx.Err()
}
