//go:build linux

// Command evio is a small evio server (github.com/tidwall/evio) that runs a
// command per request and answers with the child's exit status once the
// child exits — without a goroutine per child: every child is spawned,
// reaped and answered on evio's own event loop.
//
// Protocol: a client connects over TCP and sends one line of words; the
// server runs the -cmd script with the words as its arguments ($1, $2, ...:
// never parsed as shell code), and replies "exit 3", "signal killed", ...
// and closes. With the default script, "3" exits 3 and "0 2" sleeps 2 s.
//
//	go run ./examples/evio -addr 127.0.0.1:7000 &
//	echo 3 | nc 127.0.0.1 7000
//
// evio cannot watch arbitrary fds, so the library runs with Config.AppSigchld
// (no fd hooks) and SIGCHLD must reach evio's loop through a connection
// evio serves: a second listener on an abstract unix socket (Linux only,
// hence this file's build tag). A relay goroutine turns each SIGCHLD into a
// byte on a socket connected to it, and that connection's Data event calls
// ctx.SigchldOccurred(). Any local process may connect to an abstract
// socket, so the relay proves itself with a random token as its first bytes
// and every other connection on that listener is closed.
package main

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
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
	"github.com/tidwall/evio"
	"golang.org/x/sys/unix"
)

// Bytes the relay sends after its token.
const (
	relaySigchld = 'C'
	relayStop    = 'T'
)

// request is the context of a client connection. Owned by evio's loop
// goroutine, like everything the event callbacks touch (NumLoops is 1).
type request struct {
	in       []byte           // request line so far
	child    *childproc.Child // running child, or nil
	deadline time.Time        // when the child gets killed
	killed   bool             // the deadline passed and the child was killed
	reply    []byte           // set once the child is reaped; sent on Wake
}

// relayConn is the context of a connection on the abstract listener.
type relayConn struct {
	in     []byte    // bytes received before authentication
	authed bool      // sent the right token
	opened time.Time // unauthenticated connections are closed after a while
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "TCP `address` to serve (port 0: any free port)")
	script := flag.String("cmd", `sleep "${2:-0}"; exit "$1"`, "sh `script` run per request with the request's words as $1, $2, ...")
	timeout := flag.Duration("timeout", 10*time.Second, "kill a request's child after this long")
	flag.Parse()
	if err := run(*addr, *script, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "evio:", err)
		os.Exit(1)
	}
}

func run(addr, script string, timeout time.Duration) error {
	// The relay's secret and a random abstract socket name. ("@" is Go's
	// spelling of Linux's leading NUL byte. Note that evio calls
	// os.RemoveAll on every unix address it serves, so a file named like
	// this one in the working directory would be removed: hence the
	// random, unlikely name.)
	token, name := make([]byte, 32), make([]byte, 8)
	if _, err := rand.Read(token); err != nil {
		return err
	}
	if _, err := rand.Read(name); err != nil {
		return err
	}
	relayAddr := "@childloop-evio-" + hex.EncodeToString(name)

	// Config.AppSigchld with nil hooks: the library reaps only when told to
	// (SigchldOccurred) and only its own children, by pid.
	ctx, err := childproc.New(nil, childproc.Config{AppSigchld: true})
	if err != nil {
		return err
	}
	defer ctx.Close() // kills and reaps children still running at shutdown

	// Catch the signals before the first child can exit.
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGCHLD, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)

	var (
		pending     = map[*request]evio.Conn{}   // requests with a running child
		unauth      = map[*relayConn]evio.Conn{} // abstract-socket connections not yet authenticated
		relayAuthed bool                         // the relay has connected and proved itself
	)
	var events evio.Events
	events.NumLoops = 1 // one loop goroutine: no locks needed in the callbacks

	events.Serving = func(s evio.Server) evio.Action {
		fmt.Printf("listening on %v\n", s.Addrs[0]) // the real port when -addr had port 0
		fmt.Printf("relay socket %v\n", s.Addrs[1])
		// The listeners exist already; the relay's connection waits in
		// the backlog until the loop starts.
		go relay(relayAddr, token, sigs)
		return evio.None
	}

	events.Opened = func(c evio.Conn) ([]byte, evio.Options, evio.Action) {
		if c.AddrIndex() == 1 { // the abstract listener
			if relayAuthed {
				return nil, evio.Options{}, evio.Close // only one relay, ever
			}
			rc := &relayConn{opened: time.Now()}
			c.SetContext(rc)
			unauth[rc] = c
			return nil, evio.Options{}, evio.None
		}
		c.SetContext(&request{})
		return nil, evio.Options{}, evio.None
	}

	events.Data = func(c evio.Conn, in []byte) ([]byte, evio.Action) {
		switch cc := c.Context().(type) {
		case *relayConn:
			out, action := relayData(cc, in, token, ctx)
			if cc.authed {
				delete(unauth, cc)
				relayAuthed = true
			}
			return out, action
		case *request:
			if in == nil { // Wake: the child has been reaped, or...
				if cc.reply != nil {
					return cc.reply, evio.Close // written, then closed
				}
				return nil, evio.None
			}
			if cc.child != nil || cc.reply != nil {
				return nil, evio.None // one request per connection
			}
			cc.in = append(cc.in, in...)
			i := bytes.IndexByte(cc.in, '\n')
			if i < 0 {
				if len(cc.in) > 1024 {
					return []byte("error: request too long\n"), evio.Close
				}
				return nil, evio.None
			}
			args := strings.Fields(string(cc.in[:i]))
			if err := cloexecAll(); err != nil {
				return []byte("error: " + err.Error() + "\n"), evio.Close
			}
			ch, err := ctx.Spawn(&childproc.Cmd{
				Args: append([]string{"sh", "-c", script, "sh"}, args...),
				// Its own process group, so that a deadline kills the
				// script's children too, not only sh.
				SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
				// Runs on this loop goroutine, inside SigchldOccurred.
				OnExit: func(_ *childproc.Child, st childproc.Status) {
					delete(pending, cc)
					reply := st.String()
					if cc.killed {
						reply += " (deadline exceeded)"
					}
					cc.reply = []byte(reply + "\n")
					// evio writes only from event callbacks: Wake asks for
					// a Data(c, nil) event, which returns the reply. A Wake
					// for a connection closed meanwhile is ignored.
					c.Wake()
				},
			})
			if err != nil {
				return []byte("error: " + err.Error() + "\n"), evio.Close
			}
			cc.child, cc.deadline = ch, time.Now().Add(timeout)
			pending[cc] = c
			return nil, evio.None
		}
		return nil, evio.Close
	}

	events.Closed = func(c evio.Conn, _ error) evio.Action {
		if rc, ok := c.Context().(*relayConn); ok {
			delete(unauth, rc)
		}
		if cc, ok := c.Context().(*request); ok && cc.reply == nil && cc.child != nil {
			// The client went away: nobody wants the answer. The exit is
			// still reaped (OnExit runs; its Wake is ignored).
			_ = unix.Kill(-cc.child.Pid(), unix.SIGKILL)
		}
		return evio.None
	}

	// Tick runs on the loop goroutine: per-request deadlines, and eviction
	// of connections to the abstract socket that never authenticated.
	events.Tick = func() (time.Duration, evio.Action) {
		now := time.Now()
		for cc := range pending {
			if !cc.killed && now.After(cc.deadline) {
				cc.killed = true
				// The child is not reaped yet (its OnExit has not run, and
				// reaping happens on this goroutine), so its pid is still
				// its process group's id: no reused pid can be hit.
				_ = unix.Kill(-cc.child.Pid(), unix.SIGKILL) // its exit arrives like any other
			}
		}
		for rc, c := range unauth {
			if now.Sub(rc.opened) > 2*time.Second {
				delete(unauth, rc)
				c.Wake() // Data(c, nil) closes it
			}
		}
		return 50 * time.Millisecond, evio.None
	}

	err = evio.Serve(events, "tcp://"+addr, "unix://"+relayAddr)
	fmt.Println("server stopped")
	return err
}

// relayData handles bytes on an abstract-socket connection.
func relayData(rc *relayConn, in, token []byte, ctx *childproc.Context) ([]byte, evio.Action) {
	if in == nil { // woken by Tick: authentication timed out
		if rc.authed {
			return nil, evio.None
		}
		return nil, evio.Close
	}
	if !rc.authed {
		rc.in = append(rc.in, in...)
		n := min(len(rc.in), len(token))
		if subtle.ConstantTimeCompare(rc.in[:n], token[:n]) != 1 {
			return nil, evio.Close // an impostor
		}
		if n < len(token) {
			return nil, evio.None // wait for the rest of the token
		}
		rc.authed = true
		in, rc.in = rc.in[len(token):], nil
	}
	if bytes.IndexByte(in, relayStop) >= 0 {
		return nil, evio.Shutdown
	}
	if bytes.IndexByte(in, relaySigchld) >= 0 {
		// However many SIGCHLDs these bytes stand for (they coalesce
		// anyway), one call reaps every exited child of the context and
		// runs their OnExit callbacks here, on the loop goroutine.
		if err := ctx.SigchldOccurred(); err != nil {
			return nil, evio.Shutdown
		}
	}
	return nil, evio.None
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
	if _, err := conn.Write(token); err != nil {
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
