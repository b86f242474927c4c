package childproc

// Library-made pipes for a child's stdin, stdout and stderr, driven by the
// application's loop.
//
// Each parent end is close-on-exec from creation (pipe2), non-blocking, and
// registered through the parent's osevent registry like the SIGCHLD
// self-pipe: no goroutine and no thread per pipe. Readiness callbacks run on
// the goroutine that delivers the loop's occurrences; they read into a
// pooled buffer, hand each chunk to the Cmd's writer without any lock
// held, and stop at EAGAIN.
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
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
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

	// ErrStdinFull is WriteStdin's error when the queue (Input.Queue)
	// has no room for all of p; what fit was queued.
	ErrStdinFull = errors.New("childproc: stdin queue full")
)

// DefaultLimit is how many bytes an Output with a zero Limit keeps.
const DefaultLimit = 16 << 20

// Output is a Stdout or Stderr that keeps what the child writes, up to a
// bound: the library makes a pipe for the stream, drains it through the
// loop and writes each chunk here, on the loop goroutine. Past the bound the
// pipe is still drained, so the child never blocks on a full pipe; the rest
// is counted and dropped. Read it in OnDone or after; an Output serves one
// child.
type Output struct {
	// Limit is how many bytes to keep: 0 means DefaultLimit, a negative
	// Limit keeps none (Total still counts).
	Limit int

	data  []byte
	total int64
}

// Write keeps p as far as the limit allows and counts it. It never fails.
func (o *Output) Write(p []byte) (int, error) {
	o.total += int64(len(p))
	limit := o.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	if room := limit - len(o.data); room > 0 {
		o.data = o.capture(p[:min(len(p), room)], limit)
	}
	return len(p), nil
}

// capture appends p to the kept bytes. The buffer doubles (up to limit)
// rather than growing by append's ~1.25× for large slices: capturing 64 MiB
// by append copied and allocated about 6× the data; doubling, 2×.
func (o *Output) capture(p []byte, limit int) []byte {
	need := len(o.data) + len(p)
	if need > cap(o.data) {
		c := min(max(2*cap(o.data), need, 64<<10), limit)
		grown := make([]byte, len(o.data), c)
		copy(grown, o.data)
		o.data = grown
	}
	return append(o.data, p...)
}

// Bytes returns the kept bytes (nil if none).
func (o *Output) Bytes() []byte { return o.data }

// Total returns how many bytes were written, kept or not: the output was
// truncated when it exceeds len(Bytes()).
func (o *Output) Total() int64 { return o.total }

// Input is a Stdin fed through the loop: the library makes a pipe and
// writes Data to it as the child reads, full duplex with the output pipes,
// then closes it (the child sees EOF). A child that stops reading early is
// reported in Result.StdinErr, never by a signal.
type Input struct {
	// Data is written first.
	Data []byte
	// Queue, when positive, keeps the pipe open after Data for
	// Child.WriteStdin, with at most Queue bytes queued; Child.CloseStdin
	// ends it (so does the child's exit). OnDrained, if set, runs on the
	// loop goroutine each time the queue empties, and once when the child
	// is running and nothing is queued yet: a producer can do all its
	// writing from it.
	Queue     int
	OnDrained func(ch *Child)

	read int // what Read has returned of Data
}

// Read reads Data, which makes an Input the io.Reader Cmd.Stdin takes. The
// library does not call it: it writes all of Data to the child.
func (in *Input) Read(p []byte) (int, error) {
	if in.read >= len(in.Data) {
		return 0, io.EOF
	}
	n := copy(p, in.Data[in.read:])
	in.read += n
	return n, nil
}

// Result is what a child with library pipes produced, handed to
// Cmd.OnDone.
type Result struct {
	Status Status // as given to OnExit

	// Stdout and Stderr are what an Output Stdout or Stderr kept (nil for
	// other writers); StdoutTotal and StderrTotal count every byte read
	// from each library pipe, so output was truncated when a total exceeds
	// the length.
	Stdout, Stderr           []byte
	StdoutTotal, StderrTotal int64

	// Cut is true when the drain deadline expired before every pipe
	// reached EOF (a descendant kept one open): the library closed its
	// ends, and output written afterwards is lost. os/exec reports the
	// same case as exec.ErrWaitDelay.
	Cut bool

	// StdinErr is nil when all of Input.Data (and the queue) was
	// written, ErrStdinClosed when the child did not read it all, or the
	// write's system-call error.
	StdinErr error

	// WriteErr is the first error of a Stdout or Stderr writer's Write
	// (io.ErrShortWrite for a short one). That writer got nothing more;
	// its pipe was still drained.
	WriteErr error
}

// childIO is the stdio state of a child with library pipes.
type childIO struct {
	mu     sync.Mutex            // guards everything below
	ch     *Child                // set when the child is recorded; nil before
	out    [3]*outPipe           // stdout, stderr (nil: not a library pipe, or merged), terminal
	in     *inPipe               // stdin (or the terminal's input), or nil
	slave  int                   // the parent's fd of the terminal's slave until the exit, or -1
	ttyOn  uint8                 // immutable; bit i: fd i is on the terminal
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
	w      io.Writer // the Cmd's Stdout or Stderr; immutable
	failed bool      // w's Write failed: it gets nothing more
	total  int64
	paused bool
}

// inPipe is the parent's write end of stdin.
type inPipe struct {
	fd      int // -1 once closed
	reg     *osevent.FD
	rest    []byte       // still to write: Input.Data, then the queue
	queue   int          // Input.Queue; 0: close after Data
	closing bool         // close once rest is written
	polling bool         // reg asks for Out
	drained func(*Child) // Input.OnDrained; immutable
}

// readBufs holds the read buffers pipe callbacks share; a pointer in the
// pool keeps Get and Put free of allocation.
var readBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// stdioPlan is what Spawn gives fds 0..2 for one Cmd, before the fork.
type stdioPlan struct {
	files [3]int      // child ends of library pipes for fds 0..2 (-1: none)
	given [3]*os.File // files the Cmd gives the child as they are
	io    *childIO    // nil when the Cmd asks for no library pipe
	ctty  int         // with a Terminal, the first fd on it; else -1
	slave int         // with a Terminal, its slave (the childIO's to close); else -1
}

// planStdio reads the stdio fields of cmd and creates its pipes. On error
// nothing is left open.
//
// The plan is a value: a spawn without library pipes allocates nothing for
// it.
func planStdio(cmd *Cmd) (stdioPlan, error) {
	p := stdioPlan{files: [3]int{-1, -1, -1}, ctty: -1, slave: -1}
	var in *Input
	var term *Terminal
	var ttyOn uint8
	onTerminal := func(fd int, t *Terminal) error {
		if term != nil && t != term {
			return invalid("spawn: two Terminals in one Cmd")
		}
		term, ttyOn = t, ttyOn|1<<fd
		return nil
	}
	switch r := cmd.Stdin.(type) {
	case nil:
	case *os.File:
		p.given[0] = r
	case *Terminal:
		_ = onTerminal(0, r)
	case *Input:
		if err := checkInput(r); err != nil {
			return stdioPlan{}, err
		}
		in = r
	case *bytes.Reader, *bytes.Buffer, *strings.Reader:
		data, _ := io.ReadAll(r) // in-memory: cannot fail
		in = &Input{Data: data}
	default:
		return stdioPlan{}, invalid("spawn: Cmd.Stdin of type %T: give an *os.File, an *Input or data (the library starts no goroutine to copy a reader)", r)
	}
	var out [2]io.Writer
	for i, w := range []io.Writer{cmd.Stdout, cmd.Stderr} {
		switch w := w.(type) {
		case *os.File:
			p.given[1+i] = w
		case *Terminal:
			if err := onTerminal(1+i, w); err != nil {
				return stdioPlan{}, err
			}
		case nil:
		default:
			out[i] = w
		}
	}
	if term != nil {
		if err := checkSize("spawn", term.Rows, term.Cols); err != nil {
			return stdioPlan{}, err
		}
		if term.Input != nil {
			if in != nil {
				return stdioPlan{}, invalid("spawn: an Input stdin and a Terminal.Input")
			}
			if err := checkInput(term.Input); err != nil {
				return stdioPlan{}, err
			}
		}
	}
	merged := out[1] != nil && interfaceEqual(out[0], out[1])
	if in == nil && out[0] == nil && out[1] == nil && term == nil {
		if cmd.OnDone != nil {
			return stdioPlan{}, invalid("spawn: Cmd.OnDone without any library pipe or terminal")
		}
		return p, nil
	}
	cio := &childIO{onDone: cmd.OnDone, drain: cmd.DrainTimeout, slave: -1, ttyOn: ttyOn}
	if cio.drain == 0 {
		cio.drain = DefaultDrainTimeout
	}
	p.io = cio
	fail := func(err error) (stdioPlan, error) {
		p.closeAll()
		return stdioPlan{}, err
	}
	for i, w := range out {
		if w == nil || (i == 1 && merged) {
			continue
		}
		r, wfd, err := parentEnd(true)
		if err != nil {
			return fail(err)
		}
		cio.out[i] = &outPipe{fd: r, w: w}
		p.files[1+i] = wfd
	}
	if merged {
		// One pipe for both: the child's order, exactly.
		p.files[2] = p.files[1]
	}
	if in != nil {
		r, w, err := parentEnd(false)
		if err != nil {
			return fail(err)
		}
		cio.in = &inPipe{fd: w, rest: in.Data, queue: in.Queue,
			closing: in.Queue == 0, drained: in.OnDrained}
		p.files[0] = r
	}
	if term != nil {
		if err := p.openTerminal(term); err != nil {
			return fail(err)
		}
	}
	return p, nil
}

// checkInput validates an Input.
func checkInput(in *Input) error {
	if in.Queue < 0 {
		return invalid("spawn: negative Input.Queue %d", in.Queue)
	}
	if in.OnDrained != nil && in.Queue == 0 {
		return invalid("spawn: Input.OnDrained without Input.Queue")
	}
	return nil
}

// openTerminal opens the plan's terminal: its slave becomes the child's
// fds on it and stays open in the parent until the exit, its master the
// terminal's output pipe and, with an Input, a duplicate of it the input
// pipe (each registration needs an fd of its own).
func (p *stdioPlan) openTerminal(t *Terminal) error {
	cio := p.io
	m, s, err := openTerminal(t.Rows, t.Cols)
	if err != nil {
		return fmt.Errorf("childproc: spawn: terminal: %w", err)
	}
	cio.slave, p.slave = s, s
	cio.out[2] = &outPipe{fd: m, w: t.Output}
	for fd := range p.files {
		if cio.ttyOn&(1<<fd) != 0 {
			p.files[fd] = s
			if p.ctty < 0 {
				p.ctty = fd
			}
		}
	}
	if in := t.Input; in != nil {
		w, err := unix.FcntlInt(uintptr(m), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			return os.NewSyscallError("fcntl F_DUPFD_CLOEXEC", err)
		}
		// Closing this duplicate when the input ends (after Data, or at
		// CloseStdin) leaves the terminal open: the child sees no EOF.
		cio.in = &inPipe{fd: w, rest: in.Data, queue: in.Queue,
			closing: in.Queue == 0, drained: in.OnDrained}
	}
	return nil
}

// interfaceEqual is a == b without panicking on incomparable types.
func interfaceEqual(a, b any) (eq bool) {
	defer func() { _ = recover() }()
	return a == b
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
// A terminal's slave is not among them: the childIO keeps it (and may
// have closed it already).
func (p *stdioPlan) closeChildEnds() {
	slave := p.slave
	// Merged, fds 1 and 2 are one write end: close it once. Decide
	// before the loop clears files[1], or files[2] would be closed again,
	// by then perhaps another goroutine's new fd of the same number.
	merged := p.files[1] >= 0 && p.files[2] == p.files[1]
	for i, fd := range p.files {
		if fd >= 0 && fd != slave && !(i == 2 && merged) {
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
// before the fork, with no events: until the child is recorded nothing
// may read or write them, and a level-triggered loop would report a ready
// pipe on every round meanwhile (a writable stdin pipe at once). attach
// starts polling them.
func (c *Parent) registerIO(cio *childIO) error {
	cio.mu.Lock()
	defer cio.mu.Unlock()
	for i, o := range cio.out {
		if o == nil {
			continue
		}
		stream := i
		reg, err := c.reg.RegisterFD(o.fd, 0, func(int, hooks.Events) { c.readReady(cio, stream) })
		if err != nil {
			return err
		}
		o.reg = reg
	}
	if in := cio.in; in != nil {
		// Polled from the start even with nothing queued: the first
		// writable round tells Input.OnDrained that writing may begin.
		reg, err := c.reg.RegisterFD(in.fd, 0, func(int, hooks.Events) { c.writeReady(cio) })
		if err != nil {
			return err
		}
		in.reg, in.polling = reg, true
	}
	return nil
}

// attach records the child the pipes belong to and starts polling them:
// the output pipes for input, stdin for output while it has something to
// write (or OnDrained to call). What the child wrote before is still
// there: the loop is level-triggered.
func (cio *childIO) attach(ch *Child) error {
	cio.mu.Lock()
	defer cio.mu.Unlock()
	cio.ch = ch
	for _, o := range cio.out {
		if o != nil && o.fd >= 0 && !o.paused {
			if err := o.reg.Modify(hooks.In); err != nil {
				return err
			}
		}
	}
	if in := cio.in; in != nil && in.fd >= 0 && in.polling {
		if err := in.reg.Modify(hooks.Out); err != nil {
			return err
		}
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
		w := o.w
		if o.failed {
			w = nil // drained and dropped
		}
		cio.mu.Unlock()
		if w == nil {
			continue
		}
		if m, err := w.Write(buf[:n]); err != nil || m < n {
			if err == nil {
				err = io.ErrShortWrite
			}
			cio.mu.Lock()
			o.failed = true
			if cio.res.WriteErr == nil {
				cio.res.WriteErr = err
			}
			cio.mu.Unlock()
		}
	}
}

// writeReady writes what is queued for stdin. When the queue empties it
// closes the pipe if it is to be closed, and otherwise stops polling and
// tells Input.OnDrained.
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
			if err == unix.EPIPE || err == unix.ECONNRESET || err == unix.EIO {
				// EIO: a terminal whose slave no process holds.
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

// WriteStdin queues p for the child's stdin (an Input with Queue > 0) and
// writes what the pipe takes at once; the loop writes the rest as the child
// reads. It never blocks and copies p. When the queue (Input.Data not yet
// written plus earlier writes) has no room for all of p it queues what
// fits and returns that count with ErrStdinFull: wait for Input.OnDrained.
// After CloseStdin, or once the child closed its stdin or the pipe was
// closed at the end, it returns ErrStdinClosed (wrapped); a Child without a
// stdin queue gets an error wrapping os.ErrInvalid. It may be called from
// any goroutine, including callbacks.
func (ch *Child) WriteStdin(p []byte) (int, error) {
	cio := ch.io
	if cio == nil || cio.in == nil || cio.in.queue == 0 {
		return 0, invalid("WriteStdin: %v has no stdin queue (Input.Queue)", ch)
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
	// a caller's Input.Data past its length.
	in.rest = append(in.rest[:len(in.rest):len(in.rest)], p[:n]...)
	cio.flushLocked()
	if in.fd < 0 {
		return n, cio.stdinClosedLocked()
	}
	// Poll even when everything went out at once: the writable round that
	// follows is what calls Input.OnDrained.
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
	cio.closeSlaveLocked()
}

// closeSlaveLocked closes the parent's fd of the terminal's slave: once
// the child is gone, so that the master reports end-of-file when the last
// other holder closes it. childIO.mu held.
func (cio *childIO) closeSlaveLocked() {
	if cio.slave >= 0 {
		unix.Close(cio.slave)
		cio.slave = -1
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
	cio.closeSlaveLocked()
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
	for fd := 1; fd <= 2; fd++ {
		o := cio.outOf(fd)
		if o == nil {
			continue
		}
		var kept []byte
		if c, ok := o.w.(*Output); ok {
			kept = c.Bytes()
		}
		if fd == 1 {
			cio.res.Stdout, cio.res.StdoutTotal = kept, o.total
		} else {
			cio.res.Stderr, cio.res.StderrTotal = kept, o.total
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
	if cio == nil || cio.outOf(fd) == nil {
		return invalid("SetPaused: fd %d is not a library output pipe or terminal of %v", fd, ch)
	}
	cio.mu.Lock()
	defer cio.mu.Unlock()
	o := cio.outOf(fd)
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

// outOf returns what reads fd 1 or 2 of the child: its library pipe, or
// the terminal's master when the fd is on the terminal and the first such
// of the two (fds 1 and 2 both on it read as one stream, like a merged
// pipe); nil for anything else.
func (cio *childIO) outOf(fd int) *outPipe {
	switch {
	case fd < 1 || fd > 2:
		return nil
	case cio.ttyOn&(1<<fd) != 0:
		if fd == 2 && cio.ttyOn&(1<<1) != 0 {
			return nil
		}
		return cio.out[2]
	}
	return cio.out[fd-1]
}

// OnData is a Stdout or Stderr that hands each chunk the child writes to a
// function, on the loop goroutine; p is valid only during the call, and
// nothing is allocated per chunk.
type OnData func(p []byte)

// Write calls f(p).
func (f OnData) Write(p []byte) (int, error) {
	f(p)
	return len(p), nil
}
