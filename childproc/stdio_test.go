//go:build linux

package childproc_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/childloop/childloop/osevent"
	"golang.org/x/sys/unix"
)

func shellIO(script string, d *recorder) *childproc.Cmd {
	return &childproc.Cmd{Path: "/bin/sh", Args: []string{"sh", "-c", script}, OnExit: d.onExit(nil), OnDone: d.onDone}
}

func TestStdioCapture(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	before := openFDs(t)
	d := newRecorder()
	cmd := shellIO("echo out; echo err >&2; exit 3", d)
	cmd.Stdout = &childproc.Output{Limit: 1 << 20}
	cmd.Stderr = &childproc.Output{Limit: 1 << 20}
	_, err := c.Spawn(cmd)
	require.NoError(t, err)
	r := d.result(t)
	assert.Equal(t, 3, r.Status.Code)
	assert.Equal(t, "out\n", string(r.Stdout))
	assert.Equal(t, "err\n", string(r.Stderr))
	assert.EqualValues(t, 4, r.StdoutTotal)
	assert.False(t, r.Cut)
	assert.NoError(t, r.StdinErr)
	assertFDsBack(t, before, "fds after the child is done")
}

func TestStdioMergeStderr(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	d := newRecorder()
	cmd := shellIO("echo a; echo b >&2; echo c", d)
	out := &childproc.Output{Limit: 100}
	cmd.Stdout, cmd.Stderr = out, out // one writer: one pipe, the child's order
	_, err := c.Spawn(cmd)
	require.NoError(t, err)
	assert.Equal(t, "a\nb\nc\n", string(d.result(t).Stdout))
}

// TestStdioGrandchildHoldsPipe: the exit arrives at once, done only after
// the drain deadline, cut, with what was written before.
func TestStdioGrandchildHoldsPipe(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	before := openFDs(t)
	d := newRecorder()
	exited := make(chan time.Time, 1)
	cmd := shellIO("sleep 30 & echo hi", d)
	cmd.OnExit = func(ch *childproc.Child, st childproc.Status) { d.add(nil, ch.Pid(), st); exited <- time.Now() }
	cmd.Stdout = &childproc.Output{Limit: 100}
	cmd.DrainTimeout = 200 * time.Millisecond
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	ch, err := c.Spawn(cmd)
	require.NoError(t, err)
	defer syscall.Kill(-ch.Pid(), syscall.SIGKILL) // the sleep
	select {
	case <-exited:
	case <-d.done:
		require.FailNow(t, "done before the exit")
	case <-time.After(hangGuard):
		require.FailNow(t, "no exit")
	}
	r := d.result(t)
	assert.True(t, r.Cut, "output cut by the drain deadline")
	assert.Equal(t, "hi\n", string(r.Stdout))
	assert.True(t, r.Status.Success())
	assertFDsBack(t, before, "fds after the cut")
}

// TestStdioCat: 8 MiB in through stdin, out through stdout, full duplex.
func TestStdioCat(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	in := make([]byte, 8<<20)
	for i := range in {
		in[i] = byte(i*7 + i>>11)
	}
	d := newRecorder()
	_, err := c.Spawn(&childproc.Cmd{Path: "/bin/cat", Args: []string{"cat"}, Stdin: &childproc.Input{Data: in},
		Stdout: &childproc.Output{Limit: 16 << 20}, OnExit: d.onExit(nil), OnDone: d.onDone})
	require.NoError(t, err)
	r := d.result(t)
	require.NoError(t, r.StdinErr)
	assert.True(t, r.Status.Success())
	assert.True(t, bytes.Equal(in, r.Stdout), "cat's output differs from its input (%d vs %d bytes)", len(r.Stdout), len(in))
}

// TestStdioChildClosesStdin: a child that exits without reading is
// reported as having closed stdin; the process survives (no SIGPIPE).
func TestStdioChildClosesStdin(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	d := newRecorder()
	_, err := c.Spawn(&childproc.Cmd{Path: "/bin/true", Args: []string{"true"}, Stdin: &childproc.Input{Data: make([]byte, 1<<20)},
		Stdout: &childproc.Output{Limit: -1}, OnExit: d.onExit(nil), OnDone: d.onDone})
	require.NoError(t, err)
	r := d.result(t)
	assert.ErrorIs(t, r.StdinErr, childproc.ErrStdinClosed)
	assert.True(t, r.Status.Success())
}

// TestStdioLimit: past the limit the pipe is still drained (the child
// exits 0, never blocked), the rest counted and dropped.
func TestStdioLimit(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	d := newRecorder()
	cmd := shellIO("head -c 10485760 /dev/zero", d)
	cmd.Stdout = &childproc.Output{Limit: 1 << 20}
	_, err := c.Spawn(cmd)
	require.NoError(t, err)
	r := d.result(t)
	assert.True(t, r.Status.Success())
	assert.Len(t, r.Stdout, 1<<20)
	assert.EqualValues(t, 10<<20, r.StdoutTotal)
}

// TestStdioBackpressure: while stdout is paused the child blocks in write
// (its /proc wchan says so); after resuming every byte arrives.
func TestStdioBackpressure(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	d := newRecorder()
	var mu sync.Mutex
	streamed := 0
	cmd := shellIO("exec head -c 4194304 /dev/zero", d)
	cmd.Stdout = childproc.OnData(func(p []byte) { mu.Lock(); streamed += len(p); mu.Unlock() })
	ch, err := c.Spawn(cmd)
	require.NoError(t, err)
	require.NoError(t, ch.SetPaused(1, true))
	deadline := time.Now().Add(hangGuard)
	for {
		wchan, err := os.ReadFile(fmt.Sprintf("/proc/%d/wchan", ch.Pid()))
		require.NoError(t, err)
		if strings.Contains(string(wchan), "pipe_write") || strings.Contains(string(wchan), "pipe_wait") {
			break
		}
		require.True(t, time.Now().Before(deadline), "child never blocked writing (wchan %q)", wchan)
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	held := streamed
	mu.Unlock()
	assert.Less(t, held, 4<<20, "bytes delivered while paused")
	require.NoError(t, ch.SetPaused(1, false))
	r := d.result(t)
	assert.True(t, r.Status.Success())
	assert.EqualValues(t, 4<<20, r.StdoutTotal)
	mu.Lock()
	assert.Equal(t, 4<<20, streamed)
	mu.Unlock()
	assert.ErrorIs(t, ch.SetPaused(1, true), os.ErrProcessDone)
	assert.ErrorIs(t, ch.SetPaused(2, true), os.ErrInvalid)
}

// TestStdioBadInput: conflicting settings are refused before anything
// starts.
func TestStdioBadInput(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	before := openFDs(t)
	nop := func(*childproc.Child, childproc.Status) {}
	out := &childproc.Output{Limit: -1}
	for name, cmd := range map[string]*childproc.Cmd{
		"a reader to copy":        {Stdin: bufio.NewReader(os.Stdin)},
		"negative Input.Queue":    {Stdin: &childproc.Input{Queue: -1}},
		"OnDrained without Queue": {Stdin: &childproc.Input{OnDrained: func(*childproc.Child) {}}},
		"OnDone without any pipe": {OnDone: func(*childproc.Child, *childproc.Result) {}},
	} {
		cmd.Path, cmd.Args, cmd.OnExit = "/bin/true", []string{"true"}, nop
		_, err := c.Spawn(cmd)
		assert.ErrorIs(t, err, os.ErrInvalid, name)
	}
	assert.Zero(t, c.Len(), "a child was started")
	assert.Equal(t, before, openFDs(t), "fds after the refused spawns")
	assert.Panics(t, func() { c.Spawn(&childproc.Cmd{Args: []string{"true"}, Stdout: out}) }, "neither OnExit nor OnDone")
}

// TestStdioBurst: many children each writing 256 KiB to stdout and 64 KiB
// to stderr, interleaved, a batch at a time: every byte arrives at its own
// child's result (checksums), on the epoll loop and on a PollArray.
func TestStdioBurst(t *testing.T) {
	const children, inFlight = 1000, 64
	for _, ev := range []string{"epoll loop", "PollArray"} {
		t.Run(ev, func(t *testing.T) {
			var hooksImpl hooks.OSEvents
			var stop func()
			if ev == "epoll loop" {
				hooksImpl, stop = childproc.StartLoop(t), func() {}
			} else {
				hooksImpl, stop = startPollArray(t)
			}
			defer stop()
			c := newParent(t, hooksImpl, parentOf{})
			before := openFDs(t)
			goroutines := runtime.NumGoroutine()
			sem := make(chan struct{}, inFlight)
			var wg sync.WaitGroup
			var mu sync.Mutex
			bad := 0
			for i := 0; i < children; i++ {
				sem <- struct{}{}
				wg.Add(1)
				// The helper writes deterministic bytes keyed by i: the test
				// knows each child's expected checksums.
				seed := fmt.Sprint(i)
				_, err := c.Spawn(&childproc.Cmd{Path: "/bin/sh", Args: []string{"sh", "-c", burstScript, "sh", seed},
					Stdout: &childproc.Output{Limit: 1 << 20}, Stderr: &childproc.Output{Limit: 1 << 20},
					OnDone: func(_ *childproc.Child, r *childproc.Result) {
						defer wg.Done()
						defer func() { <-sem }()
						wantOut, wantErr := burstExpect(seed)
						if !r.Status.Success() || sha256.Sum256(r.Stdout) != wantOut || sha256.Sum256(r.Stderr) != wantErr || r.Cut {
							mu.Lock()
							bad++
							mu.Unlock()
						}
					}})
				require.NoError(t, err)
			}
			waitGroup(t, &wg)
			assert.Zero(t, bad, "children whose output did not arrive intact")
			// waitGroup's own goroutine may still be on its way out.
			if !settles(func() bool { return runtime.NumGoroutine() <= goroutines }) {
				assert.LessOrEqual(t, runtime.NumGoroutine(), goroutines, "goroutines after the burst (none per child or pipe)")
			}
			assertFDsBack(t, before, "fds after the burst")
		})
	}
}

// burstScript writes, 32 times, 8 KiB to stdout and 2 KiB to stderr,
// alternating (256 KiB and 64 KiB in all), each block a zero-padded number
// made of $1 and the block index, with shell builtins only.
const burstScript = `i=0; while [ $i -lt 32 ]; do printf "%08192d" "1$1$i"; printf "%02048d" "2$i$1" >&2; i=$((i+1)); done`

// burstExpect is what burstScript writes for seed.
func burstExpect(seed string) (out, errOut [32]byte) {
	var o, e bytes.Buffer
	for i := 0; i < 32; i++ {
		fmt.Fprintf(&o, "%08192s", "1"+seed+fmt.Sprint(i))
		fmt.Fprintf(&e, "%02048s", "2"+fmt.Sprint(i)+seed)
	}
	return sha256.Sum256(bytes.ReplaceAll(o.Bytes(), []byte(" "), []byte("0"))), sha256.Sum256(bytes.ReplaceAll(e.Bytes(), []byte(" "), []byte("0")))
}

func waitGroup(t *testing.T, wg *sync.WaitGroup) {
	t.Helper()
	ok := make(chan struct{})
	go func() { wg.Wait(); close(ok) }()
	select {
	case <-ok:
	case <-time.After(hangGuard):
		require.FailNow(t, "children never finished")
	}
}

// startPollArray runs a poll(2) loop over an osevent.PollArray on its own
// goroutine, as an application with its own poll loop would.
func startPollArray(t *testing.T) (*osevent.PollArray, func()) {
	pa, err := osevent.NewPollArray()
	require.NoError(t, err)
	quit := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		for {
			select {
			case <-quit:
				return
			default:
			}
			fds, ms := pa.BeforePoll(nil, 50, time.Now())
			if _, err := pollFds(fds, ms); err != nil {
				assert.NoError(t, err)
				return
			}
			if err := pa.AfterPoll(fds, time.Now()); err != nil {
				assert.NoError(t, err)
				return
			}
		}
	}()
	return pa, func() { close(quit); <-exited; pa.Close() }
}

// pollFds is poll(2), retried on EINTR.
func pollFds(fds []unix.PollFd, ms int) (int, error) {
	for {
		n, err := unix.Poll(fds, ms)
		if err != unix.EINTR {
			return n, err
		}
	}
}

// TestStdioCloseAndDisown: pipes of children the parent lets go of are
// closed at once, and OnDone never runs for them.
func TestStdioCloseAndDisown(t *testing.T) {
	l := childproc.StartLoop(t)
	before := openFDs(t)
	c, err := childproc.New(l, childproc.Config{})
	require.NoError(t, err)
	never := func(*childproc.Child, *childproc.Result) { t.Error("OnDone for a child let go of") }
	spawn := func() *childproc.Child {
		ch, err := c.Spawn(&childproc.Cmd{Path: "/bin/sleep", Args: []string{"sleep", "30"}, Stdin: &childproc.Input{Data: []byte("x")},
			Stdout: &childproc.Output{Limit: -1}, Stderr: &childproc.Output{Limit: -1}, OnDone: never})
		require.NoError(t, err)
		return ch
	}
	disowned := spawn()
	require.NoError(t, disowned.Disown())
	require.NoError(t, syscall.Kill(disowned.Pid(), syscall.SIGKILL))
	_, err = testutil.Reap(disowned.Pid())
	require.NoError(t, err)
	spawn()
	require.NoError(t, c.Close())
	assert.Equal(t, before, openFDs(t), "fds after Disown and Close")
}

// TestStdioQueue: stdin written incrementally through a bounded queue,
// refilled from Input.OnDrained on the loop goroutine, then closed; cat
// returns every byte.
func TestStdioQueue(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	want := make([]byte, 4<<20)
	for i := range want {
		want[i] = byte(i ^ i>>9)
	}
	const queue = 64 << 10
	d := newRecorder()
	sent, drains := 0, 0
	var fullSeen bool
	refill := func(ch *childproc.Child) {
		drains++
		for sent < len(want) {
			n, err := ch.WriteStdin(want[sent:min(sent+queue+1000, len(want))])
			sent += n
			if errors.Is(err, childproc.ErrStdinFull) {
				fullSeen = true
				return
			}
			if !assert.NoError(t, err) {
				return
			}
		}
		assert.NoError(t, ch.CloseStdin())
		_, err := ch.WriteStdin([]byte("late"))
		assert.ErrorIs(t, err, childproc.ErrStdinClosed, "WriteStdin after CloseStdin")
	}
	ch, err := c.Spawn(&childproc.Cmd{Path: "/bin/cat", Args: []string{"cat"}, Stdin: &childproc.Input{Queue: queue, OnDrained: refill},
		Stdout: &childproc.Output{Limit: 8 << 20}, OnExit: d.onExit(nil), OnDone: d.onDone})
	require.NoError(t, err)
	r := d.result(t)
	require.NoError(t, r.StdinErr)
	assert.True(t, bytes.Equal(want, r.Stdout), "cat returned %d bytes of %d, or other bytes", len(r.Stdout), len(want))
	assert.True(t, fullSeen, "the queue never filled")
	assert.Greater(t, drains, 1)
	_, err = ch.WriteStdin([]byte("x"))
	assert.ErrorIs(t, err, childproc.ErrStdinClosed)
}

// TestStdioQueueBadUse: a queue needs a size; WriteStdin needs a queue.
func TestStdioQueueBadUse(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	nop := func(*childproc.Child, childproc.Status) {}
	_, err := c.Spawn(&childproc.Cmd{Path: "/bin/true", Args: []string{"true"}, OnExit: nop, Stdin: &childproc.Input{OnDrained: func(*childproc.Child) {}}})
	assert.ErrorIs(t, err, os.ErrInvalid, "OnDrained without Queue")
	_, err = c.Spawn(&childproc.Cmd{Path: "/bin/true", Args: []string{"true"}, OnExit: nop, Stdin: &childproc.Input{Queue: -1}})
	assert.ErrorIs(t, err, os.ErrInvalid, "negative Queue")
	d := newRecorder()
	ch, err := c.Spawn(&childproc.Cmd{Path: "/bin/cat", Args: []string{"cat"}, Stdin: &childproc.Input{Data: []byte("x")},
		Stdout: &childproc.Output{Limit: 10}, OnExit: d.onExit(nil), OnDone: d.onDone})
	require.NoError(t, err)
	_, err = ch.WriteStdin([]byte("y"))
	assert.ErrorIs(t, err, os.ErrInvalid, "WriteStdin without a queue")
	assert.Equal(t, "x", string(d.result(t).Stdout))
}

// TestStdioStaleOccurrence: child A's stdout pipe is ready in a poll
// result; before that result is dispatched, A's pipe is closed (Disown) and
// child B gets a pipe with the same fd number. The stale occurrence must
// not deliver B's bytes to A, nor lose them for B.
func TestStdioStaleOccurrence(t *testing.T) {
	pa, err := osevent.NewPollArray()
	require.NoError(t, err)
	defer pa.Close()
	c := newParent(t, pa, parentOf{})
	var got []string // appended by OnData, on this goroutine (AfterPoll)
	stream := func(name string) childproc.OnData {
		return childproc.OnData(func(p []byte) { got = append(got, name+":"+string(p)) })
	}
	nop := func(*childproc.Child, childproc.Status) {}
	a, err := c.Spawn(&childproc.Cmd{Path: "/bin/sh", Args: []string{"sh", "-c", "echo A; exec sleep 30"}, Stdout: stream("A"), OnExit: nop})
	require.NoError(t, err)
	defer func() { _ = syscall.Kill(a.Pid(), syscall.SIGKILL); _, _ = testutil.Reap(a.Pid()) }()
	// Wait until A's line is ready in a poll result, without dispatching it.
	fdA := a.StdoutFD()
	require.GreaterOrEqual(t, fdA, 0)
	var fds []unix.PollFd
	deadline := time.Now().Add(hangGuard)
	for {
		var ms int
		fds, ms = pa.BeforePoll(nil, 10, time.Now())
		_, err := pollFds(fds, ms)
		require.NoError(t, err)
		ready := false
		for _, f := range fds {
			ready = ready || (int(f.Fd) == fdA && f.Revents&unix.POLLIN != 0)
		}
		if ready {
			break
		}
		require.NoError(t, pa.AfterPoll(fds, time.Now()))
		require.True(t, time.Now().Before(deadline), "A's output never became ready")
	}
	require.NoError(t, a.Disown()) // closes A's pipe: its fd number is free
	d := newRecorder()
	cmdB := shellIO("echo B", d)
	cmdB.Stdout = stream("B")
	b, err := c.Spawn(cmdB)
	require.NoError(t, err)
	require.Equal(t, fdA, b.StdoutFD(), "B's pipe did not reuse A's fd number: the scenario did not happen")
	require.NoError(t, pa.AfterPoll(fds, time.Now())) // the stale round
	for {
		select {
		case <-d.done:
			assert.Equal(t, []string{"B:B\n"}, got, "callbacks")
			return
		default:
		}
		fds, ms := pa.BeforePoll(nil, 10, time.Now())
		_, err := pollFds(fds, ms)
		require.NoError(t, err)
		require.NoError(t, pa.AfterPoll(fds, time.Now()))
		require.True(t, time.Now().Before(deadline), "B never finished")
	}
}

// TestStdioCloseWhileDraining: a reaped child whose pipe a descendant
// holds (no drain deadline) is not in the parent's child list any more;
// Close must still close its pipes.
func TestStdioCloseWhileDraining(t *testing.T) {
	l := childproc.StartLoop(t)
	before := openFDs(t)
	c, err := childproc.New(l, childproc.Config{})
	require.NoError(t, err)
	exited := make(chan struct{})
	ch, err := c.Spawn(&childproc.Cmd{Path: "/bin/sh", Args: []string{"sh", "-c", "sleep 30 & echo hi"},
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true}, DrainTimeout: -1,
		Stdout: &childproc.Output{Limit: 10},
		OnExit: func(*childproc.Child, childproc.Status) { close(exited) },
		OnDone: func(*childproc.Child, *childproc.Result) { t.Error("OnDone after Close") }})
	require.NoError(t, err)
	defer syscall.Kill(-ch.Pid(), syscall.SIGKILL)
	select {
	case <-exited:
	case <-time.After(hangGuard):
		require.FailNow(t, "no exit")
	}
	require.NoError(t, c.Close())
	assert.Equal(t, before, openFDs(t), "fds after Close with a pipe still draining")
}

// assertFDsBack waits for this process's fds to be those of before: a
// pipe's last fds close on the loop goroutine, just after the callback
// that the test waited for.
func assertFDsBack(t *testing.T, before []int, msg string) {
	t.Helper()
	if !settles(func() bool { return slices.Equal(before, openFDs(t)) }) {
		assert.Equal(t, before, openFDs(t), msg)
	}
}

// settles polls cond on the calling goroutine (testify's Eventually would
// add goroutines of its own) until it holds or the hang guard expires.
func settles(cond func() bool) bool {
	deadline := time.Now().Add(hangGuard)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

// A merged stdout and stderr's one write end is closed once: a second close would hit
// whatever fd another goroutine opened under that number meanwhile. Here
// other goroutines keep opening pipes and writing through them; a pipe
// closed under them shows as EBADF.
func TestMergeStderrClosesOnce(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})
	stop := make(chan struct{})
	var churn sync.WaitGroup
	bad := make(chan error, 8)
	for g := 0; g < 4; g++ {
		churn.Add(1)
		go func() {
			defer churn.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				var p [2]int
				if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
					continue
				}
				for k := 0; k < 4; k++ {
					if _, err := unix.Write(p[1], []byte("x")); err != nil {
						select {
						case bad <- fmt.Errorf("write to a pipe of our own: %w", err):
						default:
						}
						break
					}
				}
				unix.Close(p[0])
				unix.Close(p[1])
			}
		}()
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 40; k++ {
				d := newRecorder()
				cmd := shellIO("echo out; echo err >&2", d)
				out := &childproc.Output{Limit: 64}
				cmd.Stdout, cmd.Stderr = out, out
				if _, err := c.Spawn(cmd); err != nil {
					select {
					case bad <- err:
					default:
					}
					return
				}
				d.result(t)
			}
		}()
	}
	wg.Wait()
	close(stop)
	churn.Wait()
	close(bad)
	for err := range bad {
		assert.NoError(t, err)
	}
}

// errWriter fails every Write.
type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

// The stdio fields behave as the value's type says: the zero Output keeps
// the output (up to DefaultLimit), a negative Limit keeps none, any other
// writer gets each chunk on the loop goroutine, a data reader feeds stdin,
// and a Write error stops that writer only: the child is drained to the
// end and the error is in Result.WriteErr.
func TestStdioValues(t *testing.T) {
	l := childproc.StartLoop(t)
	c := newParent(t, l, parentOf{})

	d := newRecorder()
	out, none := &childproc.Output{}, &childproc.Output{Limit: -1}
	cmd := shellIO("cat; echo err >&2", d)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader("from a strings.Reader\n"), out, none
	_, err := c.Spawn(cmd)
	require.NoError(t, err)
	r := d.result(t)
	assert.Equal(t, "from a strings.Reader\n", string(out.Bytes()))
	assert.Equal(t, out.Bytes(), r.Stdout)
	assert.Nil(t, none.Bytes())
	assert.EqualValues(t, 4, none.Total())
	assert.EqualValues(t, 4, r.StderrTotal)
	assert.NoError(t, r.WriteErr)

	d = newRecorder()
	var buf bytes.Buffer
	cmd = shellIO("echo to a buffer", d)
	cmd.Stdout = &buf
	_, err = c.Spawn(cmd)
	require.NoError(t, err)
	r = d.result(t)
	assert.Equal(t, "to a buffer\n", buf.String())
	assert.Nil(t, r.Stdout, "only an Output's bytes are in Result")

	d = newRecorder()
	errRefused := errors.New("refused")
	cmd = shellIO("head -c 1000000 /dev/zero", d) // past a pipe's 64 KiB
	cmd.Stdout = errWriter{errRefused}
	_, err = c.Spawn(cmd)
	require.NoError(t, err)
	r = d.result(t)
	assert.True(t, r.Status.Success(), "the child was drained, not blocked or killed: %v", r.Status)
	assert.EqualValues(t, 1000000, r.StdoutTotal)
	assert.ErrorIs(t, r.WriteErr, errRefused)
}
