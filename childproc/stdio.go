package childproc

// Library-made pipes for a child's stdin, stdout and stderr, driven by the
// application's loop.
//
// Each parent end is close-on-exec from creation (pipe2), non-blocking, and
// registered through the parent's osevent registry like the SIGCHLD
// self-pipe: no goroutine and no thread per pipe. Readiness callbacks run on
// the goroutine that delivers the loop's occurrences; they read into a
// pooled buffer, keep what the capture limit allows, hand the chunk to
// Output.OnData without any lock held, and stop at EAGAIN.
//
// Two events per child: OnExit as soon as the child is reaped (the earliest
// notice, unchanged by stdio), then OnDone once every library pipe of the
// child reached EOF, or when the drain deadline after the exit expired (a
// grandchild holding the pipe is the usual cause): then the library closes
// its ends and Result.Cut says the output may be incomplete. OnDone never
// precedes OnExit.
//
// State is guarded by the child's childIO.mu, never held during a user callback;
// lock order: Parent.mu → childIO.mu → osevent registry.

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/sysfd"
	"github.com/childloop/childloop/osevent"
)

// DefaultDrainTimeout is how long after a child's exit the library waits
// for EOF on its pipes when Cmd.DrainTimeout is zero.
const DefaultDrainTimeout = time.Second

// Stdin errors.
var (
	// ErrStdinClosed is Result.StdinErr, and WriteStdin's error, when the
	// child closed its stdin (or exited) before reading everything written
	// to it: the write failed with EPIPE. It is not a failure of the
	// library; whether it matters depends on the child's status.
	ErrStdinClosed = errors.New("childproc: child closed stdin before reading all of it")

	// ErrStdinFull is WriteStdin's error when the queue (Cmd.StdinQueue)
	// has no room for all of p; what fit was queued.
	ErrStdinFull = errors.New("childproc: stdin queue full")
)

// Output asks the library to make a pipe for the child's stdout or stderr
// and drain it through the loop.
type Output struct {
	// Limit is how many bytes to keep for Result (0: keep none). Past it
	// the pipe is still drained, so the child never blocks on a full pipe;
	// the rest is counted (Result.StdoutTotal) and dropped.
	Limit int

	// OnData, when not nil, receives every chunk read, in order, on the
	// loop goroutine. p is valid only during the call; the library
	// allocates nothing per chunk.
	OnData func(ch *Child, p []byte)
}

// Result is what a child with library pipes produced, handed to
// Cmd.OnDone.
type Result struct {
	Status Status // as given to OnExit

	// Stdout and Stderr are the captured bytes, at most Output.Limit of
	// each; StdoutTotal and StderrTotal count every byte read, so output
	// was truncated when a total exceeds the length.
	Stdout, Stderr           []byte
	StdoutTotal, StderrTotal int64

	// Cut is true when the drain deadline expired before every pipe
	// reached EOF (a descendant kept one open): the library closed its
	// ends, and output written afterwards is lost. os/exec reports the
	// same case as exec.ErrWaitDelay.
	Cut bool

	// StdinErr is nil when all of StdinData was written, ErrStdinClosed
	// when the child did not read it all, or the write's system-call error.
	StdinErr error
}

// childIO is the stdio state of a child with library pipes.
type childIO struct {
	mu     sync.Mutex            // guards everything below
	ch     *Child                // set when the child is recorded; nil before
	out    [2]*outPipe           // stdout, stderr (nil: not a library pipe, or merged)
	in     *inPipe               // stdin, or nil
	onDone func(*Child, *Result) // immutable
	drain  time.Duration         // immutable; < 0: no deadline
	exited bool
	done   bool
	timer  *osevent.Timeout
	res    Result
}

// outPipe is the parent's read end of stdout or stderr.
type outPipe struct {
	fd     int // -1 once closed
	reg    *osevent.FD
	spec   Output
	data   []byte
	total  int64
	paused bool
}

// capture appends p to the kept bytes. The buffer doubles (up to Limit)
// rather than growing by append's ~1.25× for large slices: capturing 64 MiB
// by append copied and allocated about 6× the data; doubling, 2×.
func (o *outPipe) capture(p []byte) []byte {
	need := len(o.data) + len(p)
	if need > cap(o.data) {
		c := min(max(2*cap(o.data), need, 64<<10), o.spec.Limit)
		grown := make([]byte, len(o.data), c)
		copy(grown, o.data)
		o.data = grown
	}
	return append(o.data, p...)
}

// inPipe is the parent's write end of stdin.
type inPipe struct {
	fd      int // -1 once closed
	reg     *osevent.FD
	rest    []byte       // still to write: StdinData, then the queue
	queue   int          // Cmd.StdinQueue; 0: close after StdinData
	closing bool         // close once rest is written
	polling bool         // reg asks for Out
	drained func(*Child) // Cmd.OnStdinDrained; immutable
}

// readBufs holds the read buffers pipe callbacks share; a pointer in the
// pool keeps Get and Put free of allocation.
var readBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// stdioPlan is the pipes Spawn makes for one Cmd, before the fork.
type stdioPlan struct {
	files [3]int   // child ends for fds 0..2 (-1: not a library pipe)
	io    *childIO // nil when the Cmd asks for no library pipe
}

// planStdio validates the stdio fields of cmd and creates its pipes. On
// error nothing is left open.
//
// The plan is a value: a spawn without library pipes allocates nothing for
// it.
func planStdio(cmd *Cmd) (stdioPlan, error) {
	p := stdioPlan{files: [3]int{-1, -1, -1}}
	switch {
	case cmd.StdoutPipe != nil && cmd.Stdout != nil:
		return stdioPlan{}, invalid("spawn: Cmd.Stdout and Cmd.StdoutPipe both set")
	case cmd.StderrPipe != nil && cmd.Stderr != nil:
		return stdioPlan{}, invalid("spawn: Cmd.Stderr and Cmd.StderrPipe both set")
	case cmd.MergeStderr && (cmd.Stderr != nil || cmd.StderrPipe != nil):
		return stdioPlan{}, invalid("spawn: Cmd.MergeStderr with Cmd.Stderr or Cmd.StderrPipe")
	case cmd.MergeStderr && cmd.StdoutPipe == nil:
		return stdioPlan{}, invalid("spawn: Cmd.MergeStderr needs Cmd.StdoutPipe")
	case (cmd.StdinData != nil || cmd.StdinQueue != 0) && cmd.Stdin != nil:
		return stdioPlan{}, invalid("spawn: Cmd.Stdin with Cmd.StdinData or Cmd.StdinQueue")
	case cmd.StdinQueue < 0:
		return stdioPlan{}, invalid("spawn: negative Cmd.StdinQueue %d", cmd.StdinQueue)
	case cmd.OnStdinDrained != nil && cmd.StdinQueue == 0:
		return stdioPlan{}, invalid("spawn: Cmd.OnStdinDrained without Cmd.StdinQueue")
	}
	for _, o := range []*Output{cmd.StdoutPipe, cmd.StderrPipe} {
		if o != nil && o.Limit < 0 {
			return stdioPlan{}, invalid("spawn: negative Output.Limit %d", o.Limit)
		}
	}
	wantStdin := cmd.StdinData != nil || cmd.StdinQueue > 0
	if cmd.StdoutPipe == nil && cmd.StderrPipe == nil && !wantStdin {
		if cmd.OnDone != nil {
			return stdioPlan{}, invalid("spawn: Cmd.OnDone without any library pipe")
		}
		return p, nil
	}
	cio := &childIO{onDone: cmd.OnDone, drain: cmd.DrainTimeout}
	if cio.drain == 0 {
		cio.drain = DefaultDrainTimeout
	}
	p.io = cio
	fail := func(err error) (stdioPlan, error) {
		p.closeAll()
		return stdioPlan{}, err
	}
	for i, o := range []*Output{cmd.StdoutPipe, cmd.StderrPipe} {
		if o == nil {
			continue
		}
		r, w, err := parentEnd(true)
		if err != nil {
			return fail(err)
		}
		cio.out[i] = &outPipe{fd: r, spec: *o}
		p.files[1+i] = w
	}
	if cmd.MergeStderr {
		p.files[2] = p.files[1]
	}
	if wantStdin {
		r, w, err := parentEnd(false)
		if err != nil {
			return fail(err)
		}
		cio.in = &inPipe{fd: w, rest: cmd.StdinData, queue: cmd.StdinQueue,
			closing: cmd.StdinQueue == 0, drained: cmd.OnStdinDrained}
		p.files[0] = r
	}
	return p, nil
}

// parentEnd makes a close-on-exec pipe and sets the parent's end (the read
// end when reading) non-blocking; the child's end stays blocking, as
// programs expect of their stdio.
func parentEnd(reading bool) (r, w int, err error) {
	r, w, err = sysfd.Pipe(false)
	if err != nil {
		return -1, -1, err
	}
	fd := w
	if reading {
		fd = r
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(r)
		unix.Close(w)
		return -1, -1, os.NewSyscallError("fcntl", err)
	}
	return r, w, nil
}

// closeChildEnds closes the child's ends after the fork (or a failed one).
func (p *stdioPlan) closeChildEnds() {
	// With MergeStderr fds 1 and 2 are one write end: close it once. Decide
	// before the loop clears files[1], or files[2] would be closed again,
	// by then perhaps another goroutine's new fd of the same number.
	merged := p.files[1] >= 0 && p.files[2] == p.files[1]
	for i, fd := range p.files {
		if fd >= 0 && !(i == 2 && merged) {
			unix.Close(fd)
		}
		p.files[i] = -1
	}
}

// closeAll deregisters and closes every fd of the plan (spawn failed).
func (p *stdioPlan) closeAll() {
	p.closeChildEnds()
	if p.io == nil {
		return
	}
	p.io.mu.Lock()
	p.io.closeLocked()
	p.io.mu.Unlock()
}

// registerIO registers the parent ends of the plan's pipes in the loop,
// before the fork: the child may write as soon as it runs. Callbacks that
// come before the child is recorded (cio.ch nil) return without reading;
// the pipe stays ready and is served on a later round.
func (c *Parent) registerIO(cio *childIO) error {
	cio.mu.Lock()
	defer cio.mu.Unlock()
	for i, o := range cio.out {
		if o == nil {
			continue
		}
		stream := i
		reg, err := c.reg.RegisterFD(o.fd, hooks.In, func(int, hooks.Events) { c.readReady(cio, stream) })
		if err != nil {
			return err
		}
		o.reg = reg
	}
	if in := cio.in; in != nil {
		// Polled from the start even with nothing queued: the first
		// writable round tells OnStdinDrained that writing may begin.
		reg, err := c.reg.RegisterFD(in.fd, hooks.Out, func(int, hooks.Events) { c.writeReady(cio) })
		if err != nil {
			return err
		}
		in.reg, in.polling = reg, true
	}
	return nil
}

// readReady drains one output pipe until EAGAIN (at most a few reads, so
// one busy child cannot starve the loop), then reports EOF.
func (c *Parent) readReady(cio *childIO, stream int) {
	bp := readBufs.Get().(*[]byte)
	defer readBufs.Put(bp)
	buf := *bp
	for range 16 {
		cio.mu.Lock()
		o, ch := cio.out[stream], cio.ch
		if ch == nil || o.fd < 0 || o.paused {
			cio.mu.Unlock()
			return
		}
		n, err := unix.Read(o.fd, buf)
		switch {
		case err == unix.EINTR:
			cio.mu.Unlock()
			continue
		case err == unix.EAGAIN:
			cio.mu.Unlock()
			return
		case err != nil || n == 0:
			// EOF (or a read error, which ends the stream the same way).
			o.close()
			cio.mu.Unlock()
			c.maybeDone(cio)
			return
		}
		o.total += int64(n)
		if room := o.spec.Limit - len(o.data); room > 0 {
			o.data = o.capture(buf[:min(n, room)])
		}
		fn := o.spec.OnData
		cio.mu.Unlock()
		if fn != nil {
			fn(ch, buf[:n])
		}
	}
}

// writeReady writes what is queued for stdin. When the queue empties it
// closes the pipe if it is to be closed, and otherwise stops polling and
// tells OnStdinDrained.
func (c *Parent) writeReady(cio *childIO) {
	cio.mu.Lock()
	in := cio.in
	if in.fd < 0 || cio.ch == nil { // not recorded yet: served on a later round
		cio.mu.Unlock()
		return
	}
	if !cio.flushLocked() {
		cio.mu.Unlock()
		return
	}
	var drained func(*Child)
	if in.fd >= 0 && !in.closing {
		if in.polling {
			_ = in.reg.Modify(0) // a hook error only costs a spurious wake-up
			in.polling = false
		}
		drained = in.drained
	}
	ch := cio.ch
	cio.mu.Unlock()
	if drained != nil {
		drained(ch)
	}
}

// flushLocked writes as much of in.rest as the pipe takes. It reports
// whether the queue is now empty (or the pipe closed); with closing set,
// an empty queue closes the pipe. childIO.mu held.
func (cio *childIO) flushLocked() bool {
	in := cio.in
	for in.fd >= 0 && len(in.rest) > 0 {
		n, err := unix.Write(in.fd, in.rest)
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			return false
		}
		if err != nil {
			if err == unix.EPIPE || err == unix.ECONNRESET {
				cio.res.StdinErr = ErrStdinClosed
			} else {
				cio.res.StdinErr = os.NewSyscallError("write", err)
			}
			in.close()
			return true
		}
		in.rest = in.rest[n:]
	}
	if in.fd >= 0 && in.closing {
		in.close()
	}
	return true
}

// WriteStdin queues p for the child's stdin (a Cmd with StdinQueue > 0) and
// writes what the pipe takes at once; the loop writes the rest as the child
// reads. It never blocks and copies p. When the queue (StdinData not yet
// written plus earlier writes) has no room for all of p it queues what
// fits and returns that count with ErrStdinFull: wait for OnStdinDrained.
// After CloseStdin, or once the child closed its stdin or the pipe was
// closed at the end, it returns ErrStdinClosed (wrapped); a Child without a
// stdin queue gets an error wrapping os.ErrInvalid. It may be called from
// any goroutine, including callbacks.
func (ch *Child) WriteStdin(p []byte) (int, error) {
	cio := ch.io
	if cio == nil || cio.in == nil || cio.in.queue == 0 {
		return 0, invalid("WriteStdin: %v has no stdin queue (Cmd.StdinQueue)", ch)
	}
	cio.mu.Lock()
	defer cio.mu.Unlock()
	in := cio.in
	if in.fd < 0 || in.closing {
		return 0, cio.stdinClosedLocked()
	}
	cio.flushLocked() // make room first
	if in.fd < 0 {
		return 0, cio.stdinClosedLocked()
	}
	n := min(len(p), max(in.queue-len(in.rest), 0))
	// The full slice expression makes append copy rather than write into
	// a caller's StdinData past its length.
	in.rest = append(in.rest[:len(in.rest):len(in.rest)], p[:n]...)
	cio.flushLocked()
	if in.fd < 0 {
		return n, cio.stdinClosedLocked()
	}
	// Poll even when everything went out at once: the writable round that
	// follows is what calls OnStdinDrained.
	if !in.polling {
		if err := in.reg.Modify(hooks.Out); err != nil {
			return n, err
		}
		in.polling = true
	}
	if n < len(p) {
		return n, ErrStdinFull
	}
	return n, nil
}

// stdinClosedLocked is WriteStdin's error once the pipe is closed or
// closing. childIO.mu held.
func (cio *childIO) stdinClosedLocked() error {
	if cio.res.StdinErr != nil {
		return cio.res.StdinErr
	}
	return fmt.Errorf("childproc: WriteStdin: %w (stdin closed)", ErrStdinClosed)
}

// CloseStdin closes the child's stdin once everything queued is written
// (at once if nothing is), so the child sees EOF. It is idempotent; it
// returns an error wrapping os.ErrInvalid for a Child without a library
// stdin pipe.
func (ch *Child) CloseStdin() error {
	cio := ch.io
	if cio == nil || cio.in == nil {
		return invalid("CloseStdin: %v has no library stdin pipe", ch)
	}
	cio.mu.Lock()
	defer cio.mu.Unlock()
	in := cio.in
	if in.fd < 0 || in.closing {
		return nil
	}
	in.closing = true
	if cio.flushLocked() {
		return nil
	}
	if !in.polling {
		if err := in.reg.Modify(hooks.Out); err != nil {
			return err
		}
		in.polling = true
	}
	return nil
}

// close deregisters and closes an output pipe. childIO.mu held.
func (o *outPipe) close() {
	if o.fd < 0 {
		return
	}
	if o.reg != nil {
		o.reg.Deregister()
	}
	unix.Close(o.fd)
	o.fd = -1
}

// close deregisters and closes the stdin pipe. childIO.mu held.
func (in *inPipe) close() {
	if in.fd < 0 {
		return
	}
	if in.reg != nil {
		in.reg.Deregister()
	}
	unix.Close(in.fd)
	in.fd = -1
	in.rest = nil
}

// closeLocked closes every pipe of the child. childIO.mu held.
func (cio *childIO) closeLocked() {
	for _, o := range cio.out {
		if o != nil {
			o.close()
		}
	}
	if cio.in != nil {
		cio.in.close()
	}
}

// exitedIO records the exit (called after OnExit) and either finishes at
// once or arms the drain deadline.
func (c *Parent) exitedIO(cio *childIO, st Status) {
	// forgetLocked put cio in c.draining, so that Close finds its pipes;
	// a Close that came first has closed them already.
	if c.closed.Load() {
		cio.abandon()
		return
	}
	cio.mu.Lock()
	cio.exited = true
	cio.res.Status = st
	drain := cio.drain
	if drain < 0 && st.Cause != nil {
		// A stopped child's leftovers must not hold OnDone forever.
		drain = DefaultDrainTimeout
	}
	if !cio.eofLocked() && drain > 0 && cio.timer == nil {
		t, err := c.reg.RegisterTimeout(time.Now().Add(drain), func() { c.drainExpired(cio) })
		if err == nil {
			cio.timer = t
			cio.mu.Unlock()
			return
		}
		// No timeout to be had (the parent is closing): cut now.
		cio.res.Cut = true
		cio.closeLocked()
	}
	cio.mu.Unlock()
	c.maybeDone(cio)
}

// drainExpired is the drain deadline: close what is still open, and finish.
func (c *Parent) drainExpired(cio *childIO) {
	cio.mu.Lock()
	cio.timer = nil
	if !cio.eofLocked() {
		cio.res.Cut = true
		cio.closeLocked()
	}
	cio.mu.Unlock()
	c.maybeDone(cio)
}

// eofLocked reports whether every output pipe reached EOF. childIO.mu held.
func (cio *childIO) eofLocked() bool {
	for _, o := range cio.out {
		if o != nil && o.fd >= 0 {
			return false
		}
	}
	return true
}

// maybeDone runs OnDone once the child exited and its output is complete
// (or cut). The stdin pipe, if still open, is closed then: the child is
// gone.
func (c *Parent) maybeDone(cio *childIO) {
	cio.mu.Lock()
	if cio.done || !cio.exited || !cio.eofLocked() {
		cio.mu.Unlock()
		return
	}
	cio.done = true
	if cio.timer != nil {
		cio.timer.Deregister()
		cio.timer = nil
	}
	if in := cio.in; in != nil && in.fd >= 0 {
		if len(in.rest) > 0 && cio.res.StdinErr == nil {
			cio.res.StdinErr = ErrStdinClosed
		}
		in.close()
	}
	for i, o := range cio.out {
		if o == nil {
			continue
		}
		if i == 0 {
			cio.res.Stdout, cio.res.StdoutTotal = o.data, o.total
		} else {
			cio.res.Stderr, cio.res.StderrTotal = o.data, o.total
		}
	}
	res, ch := cio.res, cio.ch
	fn := cio.onDone
	cio.mu.Unlock()
	c.mu.Lock()
	delete(c.draining, cio)
	c.mu.Unlock()
	if fn != nil && !c.closed.Load() {
		fn(ch, &res)
	}
}

// abandonIO closes the pipes of a child the parent lets go of (Close,
// Disown) without running OnDone.
func (ch *Child) abandonIO() {
	if ch.io != nil {
		ch.io.abandon()
	}
}

// abandon closes every pipe and cancels the deadline, without OnDone.
func (cio *childIO) abandon() {
	cio.mu.Lock()
	cio.done = true
	if cio.timer != nil {
		cio.timer.Deregister()
		cio.timer = nil
	}
	cio.closeLocked()
	cio.mu.Unlock()
}

// SetPaused stops (true) or resumes (false) reading the child's stdout
// (fd 1) or stderr (fd 2) pipe. While paused the pipe is not polled, so
// once it fills the child blocks in write: backpressure, with nothing
// buffered by the library. It returns an error wrapping os.ErrInvalid for
// an fd that is not a library output pipe of the child, and
// os.ErrProcessDone once that pipe is closed.
func (ch *Child) SetPaused(fd int, paused bool) error {
	cio := ch.io
	if cio == nil || fd < 1 || fd > 2 || cio.out[fd-1] == nil {
		return invalid("SetPaused: fd %d is not a library output pipe of %v", fd, ch)
	}
	cio.mu.Lock()
	defer cio.mu.Unlock()
	o := cio.out[fd-1]
	if o.fd < 0 {
		return os.ErrProcessDone
	}
	ev := hooks.In
	if paused {
		ev = 0
	}
	if err := o.reg.Modify(ev); err != nil {
		return err
	}
	o.paused = paused
	return nil
}
