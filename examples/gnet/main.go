//go:build linux

// Command gnet is a small gnet v2 server (github.com/panjf2000/gnet/v2)
// that runs a command per request and answers with the child's output and
// exit status, with every child spawned, reaped, read and answered on the
// gnet event loop that serves its client: no goroutine and no thread per
// child.
//
// Protocol (the evio example's): a client connects over TCP and sends one
// line of words; the server runs the -cmd script with the words as its
// arguments ($1, $2, ...: never parsed as shell code) and answers with what
// the script wrote to stdout and stderr (together, in the order written),
// then a last line with its status, and closes the connection: one request
// per connection, so that a client reading until EOF (curl's telnet://
// scheme, bash's /dev/tcp) knows where the answer ends.
//
//	$ go run ./examples/gnet -addr 127.0.0.1:7000
//	gnet: listening on 127.0.0.1:7000 with 2 event loops; a request is one line of words, the arguments of the -cmd script
//	gnet: try: echo 3 | curl -s telnet://127.0.0.1:7000   (Ctrl-C stops the server)
//	...
//	$ echo 3 | curl -s telnet://127.0.0.1:7000      # in another terminal
//	args: 3
//	exiting with 3
//	-- exit 3
//	$ (exec 3<>/dev/tcp/127.0.0.1/7000; echo '0 2' >&3; cat <&3)
//
// With the default script, "3" exits 3 and "0 2" sleeps 2 s and exits 0.
// The server logs one line per request: the loop, the client, its words,
// the status and how long the request took. At most -max-output bytes of
// output are kept (the rest is read and dropped) and a "-- output
// truncated" line says so. A child still running at its -timeout is
// stopped: SIGTERM to its process group, SIGKILL -grace later, and its
// status line says "(deadline exceeded)". Output still open a second after
// the exit (childproc.DefaultDrainTimeout: something that left the process
// group holds it) is cut, with "-- output cut". A client that hangs up
// before its answer gets its child's process group killed at once. Ctrl-C
// (or SIGTERM) stops the server and kills the children still running.
//
// # One childproc.Parent per event loop
//
// gnet's loops watch only their own connections: there is no API to add an
// arbitrary fd to a loop's epoll set. What a loop does offer is
// EventLoop.Execute, which queues a function for the loop and wakes it
// through its eventfd. So each loop gets a netpoll.Hooks, the library's
// hooks on Go's own netpoller, whose dispatch is that loop's Execute: the
// pidfds and output pipes of the loop's children sit in the Hooks' epoll
// set (one entry in Go's netpoller, one goroutine parked there), and every
// readiness and timeout is run on the loop through Execute, never inline.
// A childproc.Parent on those Hooks then runs its OnDone callbacks on the
// loop that owns the client's connection, where writing to it is allowed.
//
// gnet v2.9.7 has no way to list its loops (Engine has none, and OnBoot
// runs before they exist), but Conn.EventLoop names a connection's loop: a
// loop's Hooks and Parent are made when its first connection opens.
//
// Stopping: SIGINT or SIGTERM calls Engine.Stop. Each loop closes its
// connections as it ends, and OnClose kills their children. Once the engine
// has stopped, Execute returns gnet.ErrEngineInShutdown; dispatch returns
// it, and the Hooks stop delivering (what Execute queued in the moment
// between a loop's end and that never runs). After gnet.Run returns no loop
// runs any more, and every Parent is closed, which kills and reaps what is
// left without running callbacks, then every Hooks, which ends their wait
// for anything queued.
//
// # Never a write to a closed connection
//
// A gnet.Conn must not be used after OnClose: gnet closes the fd, whose
// number the kernel may give to the next client at once, so a late Write
// would land in someone else's connection. A child's answer arrives later
// than its request, so each client keeps an open flag, cleared in OnClose;
// an answer for a closed client is logged and dropped, and its child is
// stopped in OnClose as soon as the client goes.
//
// gnet writes what the socket does not take at once into a buffer that it
// flushes on writability, and closing a connection drops what is still
// buffered. Having written an answer, the server therefore closes the
// connection only once OutboundBuffered is zero, looking again after 1ms,
// 2ms, 4ms ... up to every 100ms (a Go timer and Execute: gnet has no
// "flushed" event); a client still not done after flushLimit (10 s) is
// closed anyway.
//
// Each child is the leader of a process group of its own
// (childproc.TreeGroup), so a stop reaches the script's own children (its
// `sleep`), and what a script leaves in the background ends with it. The
// children's stdin is /dev/null; gnet's sockets are close-on-exec, so the
// children inherit none of them.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/examples/internal/human"
	"github.com/childloop/childloop/netpoll"
	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

const (
	maxRequest = 1024                 // bytes in a request line
	flushPoll  = time.Millisecond     // first look at a flushing answer; doubles up to 100ms
	flushLimit = 10 * time.Second     // how long a client may take to read its answer
	hungUp     = "the client hung up" // the status note of a child stopped in OnClose
)

// loop is one gnet event loop's parent. Made on the loop's goroutine when
// its first connection opens, and used only there until gnet.Run returns.
type loop struct {
	n      int            // 1, 2, ... in the order the loops were first used; for the log
	el     gnet.EventLoop // runs dispatched callbacks (Execute) and closes connections (Close)
	hooks  *netpoll.Hooks
	parent *childproc.Parent
}

// client is a connection's state, owned by its loop's goroutine.
type client struct {
	loop    *loop
	conn    gnet.Conn // never used once open is false
	open    bool      // until OnClose: the fd is this client's
	addr    string    // for the log
	in      []byte    // the request line so far
	words   string    // the request, once whole
	started time.Time // when the request line arrived
	child   *childproc.Child
	flushBy time.Time     // after the answer is written: when to close anyway
	flushIn time.Duration // when to look at the flush again
}

// server is the gnet.EventHandler.
type server struct {
	gnet.BuiltinEventEngine

	script    string
	timeout   time.Duration
	grace     time.Duration
	maxOutput int
	nloops    int

	mu    sync.Mutex               // guards loops: every loop makes its own entry
	loops map[gnet.EventLoop]*loop // by gnet loop
}

const usage = `usage: gnet [-addr host:port] [-cmd script] [-loops n] [-timeout d] [-grace d] [-max-output size]

Gnet is a TCP server on github.com/panjf2000/gnet/v2's event loops that runs
the -cmd script once per request, with the words of the request line as its
arguments, and answers with the child's stdout and stderr and a last line
with its status ("-- exit 3"), then closes the connection. Each event loop
has a childproc.Parent of its own, on netpoll hooks whose callbacks the loop
runs (EventLoop.Execute): every child is spawned, reaped, read and answered
on its client's loop, with no goroutine per child. Send a request with
echo 3 | curl -s telnet://HOST:PORT; Ctrl-C stops the server.

`

func main() {
	flag.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), usage)
		flag.PrintDefaults()
	}
	addr := flag.String("addr", "127.0.0.1:0", "TCP `address` to serve (port 0: any free port)")
	script := flag.String("cmd", `echo "args: $*"; sleep "${2:-0}"; echo "exiting with ${1:-0}" >&2; exit "${1:-0}"`,
		"sh `script` run per request with the request's words as $1, $2, ...")
	loops := flag.Int("loops", runtime.NumCPU(), "`number` of gnet event loops, each with its own childproc.Parent")
	timeout := flag.Duration("timeout", 5*time.Second, "stop a request's child (SIGTERM to its process group) after this long")
	grace := flag.Duration("grace", time.Second, "SIGKILL a stopped child's process group this long after the SIGTERM")
	maxOutput := byteSize(64 << 10)
	flag.Var(&maxOutput, "max-output", "keep at most this many bytes of a child's output (`size`: 65536, 64KiB, 1MiB)")
	flag.Parse()
	if flag.NArg() > 0 || *loops < 1 || *timeout <= 0 || *grace < 0 {
		flag.Usage()
		os.Exit(2)
	}
	s := &server{script: *script, timeout: *timeout, grace: *grace, maxOutput: int(maxOutput), nloops: *loops,
		loops: map[gnet.EventLoop]*loop{}}
	if err := s.run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "gnet:", err)
		os.Exit(1)
	}
}

// run serves until SIGINT or SIGTERM.
func (s *server) run(addr string) error {
	err := gnet.Run(s, "tcp://"+addr,
		gnet.WithNumEventLoop(s.nloops),
		gnet.WithLogger(logger{}))
	// gnet.Run has returned: its loops have stopped, and nothing runs on
	// them any more. Close kills and reaps the children still running
	// (hung-up clients' children were sent SIGKILL in OnClose when gnet
	// closed the connections, but may not be reaped yet).
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.loops {
		l.parent.Close()
		l.hooks.Close()
	}
	fmt.Println("gnet: server stopped")
	return err
}

// OnBoot runs before the loops start: the listener exists already.
func (s *server) OnBoot(eng gnet.Engine) gnet.Action {
	// The real port when -addr had port 0: gnet does not say, but its
	// listener's fd does.
	bound, err := listenAddr(eng)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gnet:", err)
		return gnet.Shutdown
	}
	fmt.Printf("gnet: listening on %v with %d event loops; a request is one line of words, the arguments of the -cmd script\n", bound, s.nloops)
	fmt.Printf("gnet: try: echo 3 | curl -s telnet://%v   (Ctrl-C stops the server)\n", bound)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sigs
		// Stop returns once the loops are gone; gnet.Run then returns.
		_ = eng.Stop(context.Background())
	}()
	return gnet.None
}

// OnOpen runs on the connection's loop.
func (s *server) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	l, err := s.loopOf(c.EventLoop())
	if err != nil {
		fmt.Printf("gnet: %v: %v\n", c.RemoteAddr(), err)
		return []byte("-- error: " + err.Error() + "\n"), gnet.Close
	}
	c.SetContext(&client{loop: l, conn: c, open: true, addr: c.RemoteAddr().String()})
	return nil, gnet.None
}

// loopOf returns el's parent, making it on the first call for el (which
// runs on el's goroutine: the Hooks' dispatch is el's own Execute).
func (s *server) loopOf(el gnet.EventLoop) (*loop, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.loops[el]; l != nil {
		return l, nil
	}
	h, err := netpoll.New(func(f func()) error {
		// Queued and run by the loop after its current batch of events,
		// never here: the Hooks wait for f while dispatch runs. Once the
		// engine stops, Execute fails with gnet.ErrEngineInShutdown, and
		// the Hooks stop on that error.
		return el.Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
			f()
			return nil // an error from a runnable would stop the loop
		}))
	})
	if err != nil {
		return nil, err
	}
	// TreeGroup: each child leads a process group, which its stops reach
	// and which ends with it; cheaper per request than a cgroup each.
	parent, err := childproc.New(h, childproc.Config{Tree: childproc.TreeGroup})
	if err != nil {
		h.Close()
		return nil, err
	}
	l := &loop{n: len(s.loops) + 1, el: el, hooks: h, parent: parent}
	s.loops[el] = l
	return l, nil
}

// OnTraffic collects the request line and starts its child.
func (s *server) OnTraffic(c gnet.Conn) gnet.Action {
	cl := c.Context().(*client)
	in, _ := c.Next(-1) // gnet's buffer, valid during this call
	if !cl.started.IsZero() {
		return gnet.None // one request per connection: the rest is dropped
	}
	cl.in = append(cl.in, in...)
	i := bytes.IndexByte(cl.in, '\n')
	if i > maxRequest || i < 0 && len(cl.in) > maxRequest {
		return refuse(c, "request too long")
	}
	if i < 0 {
		return gnet.None
	}
	args := strings.Fields(string(cl.in[:i]))
	cl.in, cl.words, cl.started = nil, strings.Join(args, " "), time.Now()

	limit := s.maxOutput
	if limit == 0 {
		limit = -1 // Output's 0 means its default limit; -1 keeps nothing
	}
	out := &childproc.Output{Limit: limit}
	ch, err := cl.loop.parent.Spawn(&childproc.Cmd{
		Args: append([]string{"sh", "-c", s.script, "sh"}, args...),
		// One Output for both: one pipe, the output in the order written.
		Stdout:  out,
		Stderr:  out,
		Timeout: s.timeout,
		Grace:   s.grace,
		// On this loop, once the child is reaped and its pipe at EOF (or
		// cut): the Parent's Hooks dispatch to this loop.
		OnDone: func(_ *childproc.Child, r *childproc.Result) { s.done(cl, out, r) },
	})
	if err != nil {
		fmt.Printf("gnet: loop %d: %s %q: %v\n", cl.loop.n, cl.addr, cl.words, err)
		return refuse(c, err.Error())
	}
	cl.child = ch
	return gnet.None
}

// refuse answers an error from inside OnTraffic and has gnet close the
// connection (closing it from inside the callback would pull the
// connection from under gnet).
func refuse(c gnet.Conn, msg string) gnet.Action {
	_, _ = c.Write([]byte("-- error: " + msg + "\n"))
	return gnet.Close
}

// OnClose runs on the connection's loop when it closes, whoever closed it.
// From here on c's fd may be another client's.
func (s *server) OnClose(c gnet.Conn, _ error) gnet.Action {
	cl, ok := c.Context().(*client)
	if !ok {
		return gnet.None // OnOpen failed
	}
	cl.open = false
	if cl.child != nil {
		// Nobody wants the answer: SIGKILL to the child's process group
		// now. OnDone still runs, for the log.
		_ = cl.child.Stop(0)
	}
	return gnet.None
}

// done builds the answer and logs the request. It runs on cl's loop.
func (s *server) done(cl *client, out *childproc.Output, r *childproc.Result) {
	cl.child = nil
	b := append([]byte(nil), out.Bytes()...)
	if len(b) > 0 && b[len(b)-1] != '\n' {
		b = append(b, '\n')
	}
	if out.Total() > int64(len(out.Bytes())) {
		b = fmt.Appendf(b, "-- output truncated: the first %d of %d bytes shown\n", len(out.Bytes()), out.Total())
	}
	if r.Cut {
		b = fmt.Appendf(b, "-- output cut: still open %v after the exit\n", childproc.DefaultDrainTimeout)
	}
	status := describe(r.Status)
	b = fmt.Appendf(b, "-- %s\n", status)
	note := ""
	if !cl.open {
		note = " (the client had gone)"
	}
	fmt.Printf("gnet: loop %d: %s %q: %s after %v%s\n", cl.loop.n, cl.addr, cl.words, status, human.Duration(time.Since(cl.started)), note)
	s.answer(cl, b)
}

// describe gives a status for the answer and the log: "exit 3", "signal
// terminated (deadline exceeded)", "signal killed (the client hung up)".
func describe(st childproc.Status) string {
	if st.Err != nil {
		return st.String()
	}
	s := "exit " + strconv.Itoa(st.Code)
	if st.Signal != 0 {
		s = "signal " + st.Signal.String()
	}
	switch {
	case errors.Is(st.Cause, context.DeadlineExceeded) && st.Forced:
		s += " (deadline exceeded, SIGKILL after the grace)"
	case errors.Is(st.Cause, context.DeadlineExceeded):
		s += " (deadline exceeded)"
	case errors.Is(st.Cause, childproc.ErrStopped):
		s += " (" + hungUp + ")"
	}
	return s
}

// answer writes the answer, then closes the connection once gnet has sent
// all of it. On cl's loop, outside gnet's callbacks (OnTraffic uses refuse).
func (s *server) answer(cl *client, b []byte) {
	if !cl.open {
		return
	}
	// A failed write closes the connection (OnClose runs inside Write).
	_, _ = cl.conn.Write(b)
	cl.flushBy, cl.flushIn = time.Now().Add(flushLimit), flushPoll
	s.closeFlushed(cl)
}

// closeFlushed closes cl's connection if gnet's buffer is empty (or the
// client had long enough), and otherwise looks again in a moment: gnet
// drops what is still buffered when a connection closes.
func (s *server) closeFlushed(cl *client) {
	if !cl.open {
		return
	}
	if cl.conn.OutboundBuffered() == 0 || time.Now().After(cl.flushBy) {
		_ = cl.loop.el.Close(cl.conn) // on the loop: OnClose runs now
		return
	}
	wait := cl.flushIn
	cl.flushIn = min(2*cl.flushIn, 100*time.Millisecond)
	time.AfterFunc(wait, func() {
		// Fails only when the engine stops; it closes every connection.
		_ = cl.loop.el.Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
			s.closeFlushed(cl)
			return nil
		}))
	})
}

// listenAddr returns the address of the engine's listener.
func listenAddr(eng gnet.Engine) (net.Addr, error) {
	fd, err := eng.Dup()
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return nil, os.NewSyscallError("getsockname", err)
	}
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: sa.Addr[:], Port: sa.Port}, nil
	case *unix.SockaddrInet6:
		return &net.TCPAddr{IP: sa.Addr[:], Port: sa.Port}, nil
	}
	return nil, fmt.Errorf("listener address %T", sa)
}

// logger is gnet's logger: warnings and errors to stderr, the rest
// dropped (gnet's default writes its info lines to stdout, where this
// program's own log goes).
type logger struct{}

func (logger) Debugf(string, ...any) {}
func (logger) Infof(string, ...any)  {}
func (logger) Warnf(format string, args ...any) {
	fmt.Fprintln(os.Stderr, "gnet: warning:", fmt.Sprintf(format, args...))
}
func (logger) Errorf(format string, args ...any) {
	fmt.Fprintln(os.Stderr, "gnet: error:", fmt.Sprintf(format, args...))
}
func (logger) Fatalf(format string, args ...any) {
	fmt.Fprintln(os.Stderr, "gnet: fatal:", fmt.Sprintf(format, args...))
	os.Exit(1)
}

// byteSize is a flag.Value for byte counts: 65536, 64k, 64KiB, 1M, 1MiB.
type byteSize int

func (b *byteSize) String() string { return strconv.Itoa(int(*b)) }

func (b *byteSize) Set(v string) error {
	num := strings.TrimSuffix(strings.TrimSuffix(v, "iB"), "B")
	unit := 1
	if n := len(num); n > 0 {
		switch num[n-1] {
		case 'k', 'K':
			unit, num = 1<<10, num[:n-1]
		case 'm', 'M':
			unit, num = 1<<20, num[:n-1]
		case 'g', 'G':
			unit, num = 1<<30, num[:n-1]
		}
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n > (1<<31)/unit {
		return errors.New("want a byte count such as 65536, 64KiB or 1MiB (at most 2GiB)")
	}
	*b = byteSize(n * unit)
	return nil
}
