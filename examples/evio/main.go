//go:build linux

// Command evio is a small evio server (github.com/tidwall/evio) that runs a
// command per request and answers with the child's output and exit status
// — without a goroutine per child: every child is spawned, reaped, read and
// answered on evio's own event loop.
//
// Protocol: a client connects over TCP and sends one line of words; the
// server runs the -cmd script with the words as its arguments ($1, $2, ...:
// never parsed as shell code) and answers with what the script wrote to
// stdout and stderr (together, in the order written), then a last line with
// its status, and closes. It is a plain line protocol, not HTTP: curl talks
// it with its telnet:// scheme (http:// gets "HTTP/0.9 not allowed"), and
// so does bash's /dev/tcp:
//
//	$ go run ./examples/evio -addr 127.0.0.1:7000
//	evio: listening on 127.0.0.1:7000; a request is one line of words, the arguments of the -cmd script
//	...
//	$ echo 3 | curl -s telnet://127.0.0.1:7000      # in another terminal
//	args: 3
//	exiting with 3
//	-- exit 3
//	$ (exec 3<>/dev/tcp/127.0.0.1/7000; echo '0 2' >&3; cat <&3)
//
// With the default script, "3" exits 3 and "0 2" sleeps 2 s and exits 0.
// The server logs one line per request: the client, its words, the status
// and how long the request took. At most -max-output bytes of output are
// kept (64 KiB; the rest is read and dropped) and a "-- output truncated"
// line says so; a child killed at its -timeout ends with "-- signal killed
// (deadline exceeded)"; output still open -drain after the exit (a
// background process holds it) is cut, with "-- output cut". Ctrl-C (or
// SIGTERM) stops the server and kills the children still running.
//
// # What evio cannot do, and what this does instead
//
// evio watches only the sockets it creates: its listeners and the
// connections it accepts on them. It has no hook to watch any other fd (its
// poller is in an internal package, and Events has no such event), so no
// hooks.OSEvents can be written for it, and the library runs with
// Config.ModeApp and nil hooks. That has two consequences:
//
//   - SIGCHLD must reach evio's loop through a connection evio serves: a
//     second listener on an abstract unix socket (Linux only, hence this
//     file's build tag). A relay goroutine turns each SIGCHLD into a byte on
//     a socket connected to it, and that connection's Data event calls
//     parent.SigchldOccurred().
//   - The library's own pipes cannot be used: a Cmd.Stdout, Stderr or Stdin
//     that is not an *os.File registers the pipe's parent end through the
//     hooks, and with none Spawn fails with an error wrapping
//     errors.ErrUnsupported (the test checks it). So the child's stdout and
//     stderr are instead one unix socket connected to that same abstract
//     listener: before the spawn the server connects it and writes a header
//     naming the request into it, then hands it to the child as an ordinary
//     *os.File (Cmd.Stdout and Cmd.Stderr), which needs no hooks. evio
//     accepts the other end, and the output arrives as Data events on the
//     loop. What the library's Output and OnDone would do — keep a bounded
//     prefix, count the rest, wait for EOF after the exit and cut after a
//     deadline — is done here, in the Data, Closed and Tick events.
//
// A program that can watch an fd should not do this: give childproc real
// hooks (the default Config: pidfds, library pipes, OnDone). One that would
// rather keep evio and use library pipes can run a loop.Loop on one more
// goroutine for the parent, and hand each Result to evio with Conn.Wake;
// the children are then reaped and read on that loop, not on evio's.
//
// Any local process may connect to an abstract socket, so every connection
// there must start with a random token (the relay's and the output sockets'
// alike); any other is closed. The children's stdin is /dev/null.
package main

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/examples/internal/human"
	"github.com/tidwall/evio"
	"golang.org/x/sys/unix"
)

// The header of a connection on the abstract socket: the token, then a
// role byte, then for roleOutput the request's id (8 bytes, big-endian).
const (
	roleRelay  = 'R'
	roleOutput = 'O'
)

// Bytes the relay sends after its header.
const (
	relaySigchld = 'C'
	relayStop    = 'T'
)

// request is the parent of a client connection. Owned by evio's loop
// goroutine, like everything the event callbacks touch (NumLoops is 1).
type request struct {
	conn     evio.Conn        // the client's connection
	client   string           // its address, for the log
	id       uint64           // names the output socket
	in       []byte           // request line so far
	words    string           // the request line, once whole
	started  time.Time        // when the request line arrived
	gone     bool             // the client closed its connection before the answer
	child    *childproc.Child // running child, or nil
	deadline time.Time        // when the child gets killed
	killed   bool             // the deadline passed and the child was killed

	exited  bool             // reaped (OnExit ran)
	status  childproc.Status // valid once exited
	drainBy time.Time        // when output still open after the exit is cut

	out    evio.Conn // the output socket's connection, once evio accepted it
	output []byte    // the first maxOutput bytes
	total  int64     // every byte read
	eof    bool      // the output connection is closed (EOF, or cut)
	cut    bool      // closed at drainBy rather than by EOF

	reply []byte // set once exited and eof; sent on Wake
}

// sockConn is the parent of a connection on the abstract listener.
type sockConn struct {
	in     []byte    // header bytes so far
	opened time.Time // connections without a whole header are closed after a while
	role   byte      // 0 until the header is complete
	req    *request  // with roleOutput: whose output this is
}

type server struct {
	parent    *childproc.Parent
	script    string
	timeout   time.Duration
	drain     time.Duration
	maxOutput int
	token     []byte
	sockAddr  string // the abstract socket

	nextID      uint64
	requests    map[uint64]*request     // spawned, not yet answered
	unauth      map[*sockConn]evio.Conn // abstract-socket connections without a whole header
	relayAuthed bool                    // the relay has connected and proved itself
}

const usage = `usage: evio [-addr host:port] [-cmd script] [-timeout d] [-drain d] [-max-output bytes]

Evio is a TCP server on github.com/tidwall/evio's event loop that runs the
-cmd script once per request, with the words of the request line as its
arguments, and answers with the child's stdout and stderr and a last line
with its status ("-- exit 3"). Every child is spawned, reaped, read and
answered on evio's loop, with no goroutine per child. Send a request with
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
	timeout := flag.Duration("timeout", 10*time.Second, "kill a request's child after this long")
	drain := flag.Duration("drain", childproc.DefaultDrainTimeout, "after the exit, wait this long for the output's end")
	maxOutput := flag.Int("max-output", 64<<10, "keep at most this many `bytes` of a child's output")
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	s := &server{script: *script, timeout: *timeout, drain: *drain, maxOutput: max(*maxOutput, 0)}
	if err := s.run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "evio:", err)
		os.Exit(1)
	}
}

func (s *server) run(addr string) error {
	// The secret and a random abstract socket name. ("@" is Go's spelling
	// of Linux's leading NUL byte. Note that evio calls os.RemoveAll on
	// every unix address it serves, so a file named like this one in the
	// working directory would be removed: hence the random, unlikely
	// name.)
	s.token = make([]byte, 32)
	name := make([]byte, 8)
	if _, err := rand.Read(s.token); err != nil {
		return err
	}
	if _, err := rand.Read(name); err != nil {
		return err
	}
	s.sockAddr = "@childloop-evio-" + hex.EncodeToString(name)
	s.requests = map[uint64]*request{}
	s.unauth = map[*sockConn]evio.Conn{}

	// Config.ModeApp with nil hooks: the library reaps only when told to
	// (SigchldOccurred) and only its own children, by pid.
	var err error
	s.parent, err = childproc.New(nil, childproc.Config{Mode: childproc.ModeApp})
	if err != nil {
		return err
	}
	defer s.parent.Close() // kills and reaps children still running at shutdown

	// Catch the signals before the first child can exit.
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGCHLD, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)

	var events evio.Events
	events.NumLoops = 1 // one loop goroutine: no locks needed in the callbacks

	events.Serving = func(srv evio.Server) evio.Action {
		// The real port when -addr had port 0.
		fmt.Printf("evio: listening on %v; a request is one line of words, the arguments of the -cmd script\n", srv.Addrs[0])
		fmt.Printf("evio: try: echo 3 | curl -s telnet://%v   (Ctrl-C stops the server)\n", srv.Addrs[0])
		fmt.Printf("evio: SIGCHLD and the children's output come in through %v\n", srv.Addrs[1])
		// The listeners exist already; the relay's connection waits in
		// the backlog until the loop starts.
		go relay(s.sockAddr, s.token, sigs)
		return evio.None
	}

	events.Opened = func(c evio.Conn) ([]byte, evio.Options, evio.Action) {
		if c.AddrIndex() == 1 { // the abstract listener
			sc := &sockConn{opened: time.Now()}
			c.SetContext(sc)
			s.unauth[sc] = c
			// Data's input is evio's buffer, valid during the call: we
			// copy what we keep.
			return nil, evio.Options{ReuseInputBuffer: true}, evio.None
		}
		c.SetContext(&request{conn: c, client: c.RemoteAddr().String()})
		return nil, evio.Options{}, evio.None
	}

	events.Data = func(c evio.Conn, in []byte) ([]byte, evio.Action) {
		switch cc := c.Context().(type) {
		case *sockConn:
			return s.sockData(c, cc, in)
		case *request:
			return s.requestData(cc, in)
		}
		return nil, evio.Close
	}

	events.Closed = func(c evio.Conn, _ error) evio.Action {
		switch cc := c.Context().(type) {
		case *sockConn:
			delete(s.unauth, cc)
			if req := cc.req; req != nil {
				// EOF: the child and every process that inherited its
				// stdout closed it (or we did, at the drain deadline).
				req.out, req.eof = nil, true
				s.maybeAnswer(req)
			}
		case *request:
			if cc.reply == nil && cc.child != nil && !cc.exited {
				// The client went away: nobody wants the answer. The exit is
				// still reaped and the output drained; the reply's Wake is
				// ignored.
				cc.gone = true
				_ = unix.Kill(-cc.child.Pid(), unix.SIGKILL)
			}
		}
		return evio.None
	}

	// Tick runs on the loop goroutine: per-request deadlines, drain
	// deadlines, and eviction of connections to the abstract socket that
	// never sent a whole header.
	events.Tick = func() (time.Duration, evio.Action) {
		now := time.Now()
		for _, req := range s.requests {
			if !req.exited && !req.killed && now.After(req.deadline) {
				req.killed = true
				// The child is not reaped yet (its OnExit has not run, and
				// reaping happens on this goroutine), so its pid is still
				// its process group's id: no reused pid can be hit.
				_ = unix.Kill(-req.child.Pid(), unix.SIGKILL) // its exit arrives like any other
			}
			if req.exited && !req.eof && !req.cut && now.After(req.drainBy) {
				req.cut = true
				if req.out != nil {
					req.out.Wake() // Data(out, nil) closes it; Closed answers
				} else { // its connection never arrived (it will be refused)
					req.eof = true
					s.maybeAnswer(req) // deleting from the map we range over: allowed
				}
			}
		}
		for sc, c := range s.unauth {
			if now.Sub(sc.opened) > 2*time.Second {
				delete(s.unauth, sc)
				c.Wake() // Data(c, nil) closes it
			}
		}
		return 50 * time.Millisecond, evio.None
	}

	err = evio.Serve(events, "tcp://"+addr, "unix://"+s.sockAddr)
	fmt.Println("evio: server stopped")
	return err
}

// requestData handles a client's bytes, and the Wake that sends its answer.
func (s *server) requestData(req *request, in []byte) ([]byte, evio.Action) {
	if in == nil { // Wake: the answer is ready, or...
		if req.reply != nil {
			return req.reply, evio.Close // written, then closed
		}
		return nil, evio.None
	}
	if req.child != nil || req.reply != nil {
		return nil, evio.None // one request per connection
	}
	req.in = append(req.in, in...)
	i := bytes.IndexByte(req.in, '\n')
	if i < 0 {
		if len(req.in) > 1024 {
			return []byte("-- error: request too long\n"), evio.Close
		}
		return nil, evio.None
	}
	args := strings.Fields(string(req.in[:i]))
	req.words, req.started = strings.Join(args, " "), time.Now()
	fail := func(err error) ([]byte, evio.Action) {
		fmt.Printf("evio: %s %q: %v\n", req.client, req.words, err)
		return []byte("-- error: " + err.Error() + "\n"), evio.Close
	}
	if err := cloexecAll(); err != nil {
		return fail(err)
	}
	s.nextID++
	req.id = s.nextID
	out, err := outputSocket(s.sockAddr, s.token, req.id)
	if err != nil {
		return fail(err)
	}
	ch, err := s.parent.Spawn(&childproc.Cmd{
		Args: append([]string{"sh", "-c", s.script, "sh"}, args...),
		// One socket for both: the output arrives in the order written.
		Stdout: out,
		Stderr: out,
		// Its own process group, so that a deadline kills the script's
		// children too, not only sh.
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
		// Runs on this loop goroutine, inside SigchldOccurred.
		OnExit: func(_ *childproc.Child, st childproc.Status) {
			req.exited, req.status = true, st
			req.drainBy = time.Now().Add(s.drain)
			s.maybeAnswer(req)
		},
	})
	out.Close() // the child has its copies; EOF comes when they are all closed
	if err != nil {
		// The socket's other end, when evio accepts it, names no
		// request and is closed.
		return fail(err)
	}
	req.child, req.deadline = ch, time.Now().Add(s.timeout)
	s.requests[req.id] = req
	return nil, evio.None
}

// sockData handles bytes on an abstract-socket connection: the header,
// then the relay's signal bytes or a child's output.
func (s *server) sockData(c evio.Conn, sc *sockConn, in []byte) ([]byte, evio.Action) {
	if in == nil { // woken by Tick: no header in time, or the output is cut
		if sc.role == 0 || sc.req != nil && sc.req.cut {
			return nil, evio.Close
		}
		return nil, evio.None
	}
	if sc.role == 0 {
		var ok bool
		if in, ok = s.header(sc, in); !ok {
			return nil, evio.Close // an impostor, or a second relay
		}
		if sc.role == 0 {
			return nil, evio.None // wait for the rest of the header
		}
		delete(s.unauth, sc)
		if sc.req != nil {
			sc.req.out = c
		}
	}
	if sc.role == roleOutput {
		req := sc.req
		req.total += int64(len(in))
		if room := s.maxOutput - len(req.output); room > 0 {
			req.output = append(req.output, in[:min(len(in), room)]...)
		}
		return nil, evio.None
	}
	if bytes.IndexByte(in, relayStop) >= 0 {
		return nil, evio.Shutdown
	}
	if bytes.IndexByte(in, relaySigchld) >= 0 {
		// However many SIGCHLDs these bytes stand for (they coalesce
		// anyway), one call reaps every exited child of the parent and
		// runs their OnExit callbacks here, on the loop goroutine.
		if err := s.parent.SigchldOccurred(); err != nil {
			return nil, evio.Shutdown
		}
	}
	return nil, evio.None
}

// header collects a connection's header. It returns the bytes after it
// and false when the connection must be closed; sc.role stays 0 while the
// header is incomplete.
func (s *server) header(sc *sockConn, in []byte) ([]byte, bool) {
	sc.in = append(sc.in, in...)
	n := min(len(sc.in), len(s.token))
	if subtle.ConstantTimeCompare(sc.in[:n], s.token[:n]) != 1 {
		return nil, false
	}
	if len(sc.in) <= len(s.token) {
		return nil, true
	}
	switch role := sc.in[len(s.token)]; role {
	case roleRelay:
		if s.relayAuthed {
			return nil, false // only one relay, ever
		}
		s.relayAuthed = true
		sc.role = role
		rest := sc.in[len(s.token)+1:]
		sc.in = nil
		return rest, true
	case roleOutput:
		end := len(s.token) + 1 + 8
		if len(sc.in) < end {
			return nil, true
		}
		req := s.requests[binary.BigEndian.Uint64(sc.in[len(s.token)+1:])]
		if req == nil || req.out != nil || req.eof {
			return nil, false // no such request (any more), or a second socket
		}
		sc.role, sc.req = role, req
		rest := sc.in[end:]
		sc.in = nil
		return rest, true
	default:
		return nil, false
	}
}

// maybeAnswer sends the answer once the child is reaped and its output
// complete (or cut).
func (s *server) maybeAnswer(req *request) {
	if req.reply != nil || !req.exited || !req.eof {
		return
	}
	delete(s.requests, req.id)
	b := append([]byte(nil), req.output...)
	if len(b) > 0 && b[len(b)-1] != '\n' {
		b = append(b, '\n')
	}
	if req.total > int64(len(req.output)) {
		b = fmt.Appendf(b, "-- output truncated: the first %d of %d bytes shown\n", len(req.output), req.total)
	}
	if req.cut {
		b = fmt.Appendf(b, "-- output cut: still open %v after the exit\n", s.drain)
	}
	status := req.status.String()
	if req.killed {
		status += " (deadline exceeded)"
	}
	req.reply = fmt.Appendf(b, "-- %s\n", status)
	note := ""
	if req.gone {
		note = " (the client had gone)"
	}
	fmt.Printf("evio: %s %q: %s after %v%s\n", req.client, req.words, status, human.Duration(time.Since(req.started)), note)
	// evio writes only from event callbacks: Wake asks for a Data(c, nil)
	// event, which returns the reply. A Wake for a connection closed
	// meanwhile is ignored.
	req.conn.Wake()
}

// outputSocket connects a socket to the abstract listener and writes the
// header naming request id into it: the child's stdout and stderr.
func outputSocket(addr string, token []byte, id uint64) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	// Non-blocking until the header is in: with the listener's backlog
	// full, a blocking connect would wait for evio's loop, which is this
	// goroutine, to accept (EAGAIN instead: the request fails).
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: addr}); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("connect", err)
	}
	hdr := binary.BigEndian.AppendUint64(append(append([]byte(nil), token...), roleOutput), id)
	if n, err := unix.Write(fd, hdr); err != nil || n < len(hdr) {
		unix.Close(fd)
		if err == nil {
			err = unix.EAGAIN
		}
		return nil, os.NewSyscallError("write", err)
	}
	// The child expects blocking stdio, like a pipe's.
	if err := unix.SetNonblock(fd, false); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("fcntl", err)
	}
	return os.NewFile(uintptr(fd), "output"), nil
}

// relay connects to the abstract socket, proves itself with token and then
// writes one byte per signal. It runs until the process exits.
//
// The cost of this path (os/signal's goroutine, this goroutine, a socket
// write, evio's epoll) is paid on every exit; a loop that can watch an fd
// should hand childproc real hooks instead (the default Config, pidfds).
func relay(addr string, token []byte, sigs <-chan os.Signal) {
	conn, err := net.Dial("unix", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "evio: relay:", err)
		os.Exit(1)
	}
	if _, err := conn.Write(append(append([]byte(nil), token...), roleRelay)); err != nil {
		fmt.Fprintln(os.Stderr, "evio: relay:", err)
		os.Exit(1)
	}
	for s := range sigs {
		b := byte(relaySigchld)
		if s != syscall.SIGCHLD {
			b = relayStop
		}
		if _, err := conn.Write([]byte{b}); err != nil {
			return // the server is shutting down
		}
	}
}

// cloexecAll marks every fd from 3 up close-on-exec. evio's accepted
// sockets (and its epoll and wake fds) are not: without this, every child
// would inherit every open client connection, and a grandchild outliving
// its request (say, the `sleep` of a killed script) would keep the
// connection open after evio closed it, so its client would wait for EOF.
// Called on the loop goroutine right before each Spawn; since evio accepts
// on that same goroutine, no fd can appear in between. Go's own fds are
// close-on-exec already, so nothing else changes.
func cloexecAll() error {
	err := unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC) // Linux ≥ 5.11
	if err == nil {
		return nil
	}
	ents, rerr := os.ReadDir("/proc/self/fd") // older kernels
	if rerr != nil {
		return os.NewSyscallError("close_range", err)
	}
	for _, e := range ents {
		var fd int
		if _, err := fmt.Sscan(e.Name(), &fd); err == nil && fd > 2 {
			unix.CloseOnExec(fd)
		}
	}
	return nil
}
