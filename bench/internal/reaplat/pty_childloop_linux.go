package reaplat

import (
	"fmt"

	"github.com/childloop/childloop/bench/internal/harness"
	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/loop"
)

// childloopPty is the childloop Terminal row: a default parent on the
// reference loop, driven by the helper's one goroutine with RunOnce, as an
// application that owns its loop does. The output is counted by an OnData
// writer, which allocates nothing per chunk.
type childloopPty struct {
	l *loop.Loop
	c *childproc.Parent
}

func openChildloopPty() (ptyDriver, error) {
	l, err := loop.New()
	if err != nil {
		return nil, err
	}
	c, err := childproc.New(l, childproc.Config{})
	if err != nil {
		l.Close()
		return nil, err
	}
	return &childloopPty{l: l, c: c}, nil
}

func (d *childloopPty) close() {
	d.c.Close()
	d.l.Close()
}

// spawn starts prog on a new terminal; onDone gets its result.
func (d *childloopPty) spawn(prog harness.Program, t *childproc.Terminal, onDone func(*childproc.Result)) (*childproc.Child, error) {
	return d.c.Spawn(&childproc.Cmd{Path: prog.Path, Args: prog.Args, Env: []string{},
		Stdin: t, Stdout: t, Stderr: t,
		OnDone: func(_ *childproc.Child, r *childproc.Result) { onDone(r) }})
}

// runUntil drives the loop until done reports true.
func (d *childloopPty) runUntil(done func() bool) error {
	for !done() {
		if err := d.l.RunOnce(true); err != nil {
			return err
		}
	}
	return nil
}

// resultErr says what is wrong with a child's result, if anything.
func resultErr(prog harness.Program, r *childproc.Result) error {
	switch {
	case !r.Status.Success():
		return fmt.Errorf("%s: %v", prog.Path, r.Status)
	case r.Cut:
		return fmt.Errorf("%s: output cut at the drain deadline", prog.Path)
	}
	return nil
}

func (d *childloopPty) output(prog harness.Program) (int64, error) {
	var got int64
	var res *childproc.Result
	t := &childproc.Terminal{Rows: ptyRows, Cols: ptyCols,
		Output: childproc.OnData(func(p []byte) { got += int64(len(p)) })}
	if _, err := d.spawn(prog, t, func(r *childproc.Result) { res = r }); err != nil {
		return 0, err
	}
	if err := d.runUntil(func() bool { return res != nil }); err != nil {
		return got, err
	}
	return got, resultErr(prog, res)
}

func (d *childloopPty) terminals(prog harness.Program, n int, line []byte, started func()) (*ptyFleet, error) {
	f := newPtyFleet(n)
	children := make([]*childproc.Child, 0, n)
	done := 0
	for i := range n {
		t := &childproc.Terminal{Rows: ptyRows, Cols: ptyCols,
			Output: childproc.OnData(func(p []byte) { f.counts[i] += int64(len(p)) }),
			Input:  &childproc.Input{Queue: len(line)}}
		ch, err := d.spawn(prog, t, func(r *childproc.Result) {
			done++
			if err := resultErr(prog, r); err != nil {
				f.fail(err)
			}
		})
		if err != nil {
			return f, err // close kills and reaps those started
		}
		children = append(children, ch)
	}
	started()
	for _, ch := range children {
		if _, err := ch.WriteStdin(line); err != nil {
			return f, err
		}
	}
	return f, d.runUntil(func() bool { return done == n })
}
