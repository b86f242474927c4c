package childproc_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/childloop/childloop/noexec"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/loop"
)

// The default: a parent on the reference loop reaps the children it
// spawned (through pidfds on Linux ≥ 5.4) and runs each OnExit on the loop
// goroutine. The README's "Use" section is this function's body.
func Example() {
	l, err := loop.New() // or your own loop implementing hooks.OSEvents
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	parent, err := childproc.New(l, childproc.Config{}) // reaps only its own children
	if err != nil {
		log.Fatal(err)
	}
	defer parent.Close()
	_, err = parent.Spawn(&childproc.Cmd{
		Args:   []string{"sh", "-c", "echo hello from $0; exit 3"},
		Stdout: os.Stdout, // nil would be /dev/null
		Stderr: os.Stderr,
		OnExit: func(ch *childproc.Child, st childproc.Status) {
			fmt.Println("sh:", st) // on the loop goroutine
			l.Stop()
		},
	})
	if err != nil {
		log.Fatal(err) // a missing executable is reported here, never as an exit
	}
	if err := l.Run(); err != nil { // until l.Stop
		log.Fatal(err)
	}
	// Output:
	// hello from sh
	// sh: exit 3
}

// An application that owns SIGCHLD (ModeApp) tells the parent
// when it saw one; the parent then reaps those of its children that
// exited, and runs their callbacks before SigchldOccurred returns. No loop
// is needed for that: the hooks may be nil.
func ExampleConfig_appSigchld() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGCHLD) // the application's own SIGCHLD handling
	defer signal.Stop(sigs)
	parent, err := childproc.New(nil, childproc.Config{Mode: childproc.ModeApp})
	if err != nil {
		log.Fatal(err)
	}
	defer parent.Close()
	done := false
	if _, err := parent.Spawn(&childproc.Cmd{
		Args:   []string{"sh", "-c", "exit 2"},
		OnExit: func(_ *childproc.Child, st childproc.Status) { fmt.Println("sh:", st); done = true },
	}); err != nil {
		log.Fatal(err)
	}
	for !done {
		<-sigs
		if err := parent.SigchldOccurred(); err != nil {
			log.Fatal(err)
		}
	}
	// Output: sh: exit 2
}

// A parent with ModeReapAll reaps every child of the process: its own
// go to their OnExit, the others (here one started with syscall.ForkExec;
// in a subreaper, orphaned descendants) to OnForeignExit. Only for programs
// that run no os/exec commands: it would take their statuses.
func ExampleConfig_reapAll() {
	l, err := loop.New()
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	var lines []string
	report := func(line string) {
		if lines = append(lines, line); len(lines) == 2 {
			l.Stop()
		}
	}
	parent, err := childproc.New(l, childproc.Config{
		Mode:          childproc.ModeReapAll,
		OnForeignExit: func(pid int, st childproc.Status) { report("foreign child: " + st.String()) },
	})
	if err != nil {
		log.Fatal(err)
	}
	defer parent.Close()
	if _, err := parent.Spawn(&childproc.Cmd{
		Args:   []string{"sh", "-c", "exit 1"},
		OnExit: func(_ *childproc.Child, st childproc.Status) { report("own child: " + st.String()) },
	}); err != nil {
		log.Fatal(err)
	}
	if _, err := syscall.ForkExec("/bin/sh", []string{"sh", "-c", "exit 2"}, &syscall.ProcAttr{}); err != nil {
		log.Fatal(err)
	}
	if err := l.Run(); err != nil {
		log.Fatal(err)
	}
	sort.Strings(lines) // the two exits may be reaped in either order
	for _, line := range lines {
		fmt.Println(line)
	}
	// Output:
	// foreign child: exit 2
	// own child: exit 1
}

// ModeKeep keeps the parent's SIGCHLD handling installed while it
// has no children (where exits are learnt from SIGCHLD rather than pidfds);
// it still reaps only its own children.
func ExampleConfig_keepSigchld() {
	l, err := loop.New()
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	parent, err := childproc.New(l, childproc.Config{Mode: childproc.ModeKeep})
	if err != nil {
		log.Fatal(err)
	}
	defer parent.Close()
	for _, code := range []string{"0", "4"} {
		if _, err := parent.Spawn(&childproc.Cmd{
			Args: []string{"sh", "-c", "exit " + code},
			OnExit: func(_ *childproc.Child, st childproc.Status) {
				fmt.Println("sh:", st)
				if parent.Len() == 0 {
					l.Stop()
				}
			},
		}); err != nil {
			log.Fatal(err)
		}
		if err := l.Run(); err != nil { // one child at a time, for a stable output
			log.Fatal(err)
		}
	}
	// Output:
	// sh: exit 0
	// sh: exit 4
}

// The classic double-fork daemon without running Go code in the forked
// child: the middle child makes a new session, forks the daemon and exits;
// its exit reaches OnExit like a spawned child's. The child is recorded
// before any reaper can see it, so this is safe with ModeReapAll too.
func ExampleParent_ForkNoexec() {
	l, err := loop.New()
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	parent, err := childproc.New(l, childproc.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer parent.Close()
	var steps noexec.Steps
	steps.Setsid().Fork().Exec("/bin/sh", []string{"sh", "-c", "exit 0"}, nil)
	if _, err := parent.ForkNoexec(&steps, func(_ *childproc.Child, st childproc.Status) {
		fmt.Println("middle child:", st)
		l.Stop()
	}); err != nil {
		log.Fatal(err) // errors.ErrUnsupported outside Linux
	}
	if err := l.Run(); err != nil {
		log.Fatal(err)
	}
	// Output: middle child: exit 0
}

// Signal reaches the child through its pidfd where there is one, so it can
// never hit a process that reused the pid; after the child is reaped it
// returns os.ErrProcessDone.
func ExampleChild_Signal() {
	l, err := loop.New()
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	parent, err := childproc.New(l, childproc.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer parent.Close()
	ch, err := parent.Spawn(&childproc.Cmd{
		Args:   []string{"sleep", "60"},
		OnExit: func(_ *childproc.Child, st childproc.Status) { fmt.Println("sleep:", st); l.Stop() },
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := ch.Signal(syscall.SIGTERM); err != nil {
		log.Fatal(err)
	}
	if err := l.Run(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("after reaping:", ch.Signal(syscall.SIGTERM))
	// Output:
	// sleep: signal terminated
	// after reaping: os: process already finished
}

// Library pipes: stdin given up front, stdout captured (bounded), stderr
// streamed chunk by chunk; OnDone comes after OnExit with the output.
func ExampleOutput() {
	l, err := loop.New()
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	parent, err := childproc.New(l, childproc.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer parent.Close()
	var streamed []byte // stderr as it arrives; p is only valid during the call
	_, err = parent.Spawn(&childproc.Cmd{
		Args:   []string{"sh", "-c", "tr a-z A-Z; echo warning >&2; exit 1"},
		Stdin:  &childproc.Input{Data: []byte("hello\n")},
		Stdout: &childproc.Output{Limit: 1 << 20},
		Stderr: childproc.OnData(func(p []byte) { streamed = append(streamed, p...) }),
		OnExit: func(_ *childproc.Child, st childproc.Status) { fmt.Println("exited:", st) },
		OnDone: func(_ *childproc.Child, r *childproc.Result) {
			fmt.Printf("done: stdout %q (%d bytes), stderr streamed %q, cut %v\n", r.Stdout, r.StdoutTotal, streamed, r.Cut)
			l.Stop()
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := l.Run(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// exited: exit 1
	// done: stdout "HELLO\n" (6 bytes), stderr streamed "warning\n", cut false
}

// Start from a callback: the next child is spawned by the parent's
// spawner goroutines while the loop goes on; started runs on the loop
// goroutine before the child's OnExit.
func ExampleParent_Start() {
	l, err := loop.New()
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	parent, err := childproc.New(l, childproc.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer parent.Close()
	left := 3
	var next func()
	next = func() {
		n := left
		err := parent.Start(&childproc.Cmd{
			Args: []string{"sh", "-c", "exit $0", strconv.Itoa(n)},
			OnExit: func(_ *childproc.Child, st childproc.Status) {
				fmt.Println("child", n, st)
				if left--; left == 0 {
					l.Stop()
					return
				}
				next() // on the loop goroutine: Start returns at once
			},
		}, func(ch *childproc.Child, err error) {
			if err != nil {
				log.Fatal(err) // what Spawn would have returned
			}
			fmt.Println("started child", n)
		})
		if err != nil {
			log.Fatal(err)
		}
	}
	next()
	if err := l.Run(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// started child 3
	// child 3 exit 3
	// started child 2
	// child 2 exit 2
	// started child 1
	// child 1 exit 1
}

// A child on a terminal of its own: isatty says yes, stty reports the
// size given, and escapes come through as the child wrote them, with the
// terminal's "\r\n" line ends.
func ExampleTerminal() {
	l, err := loop.New()
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	parent, err := childproc.New(l, childproc.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer parent.Close()
	term := &childproc.Terminal{Rows: 24, Cols: 80, Output: &childproc.Output{}}
	_, err = parent.Spawn(&childproc.Cmd{
		Args:  []string{"sh", "-c", `[ -t 1 ] && echo "a terminal, $(stty size)"; printf '\033[1mbold\033[0m\n'`},
		Stdin: term, Stdout: term, Stderr: term, // Spawn fails with errors.ErrUnsupported outside Linux
		OnDone: func(_ *childproc.Child, r *childproc.Result) {
			fmt.Printf("%v: %q\n", r.Status, r.Stdout) // the whole output, however late it was written
			l.Stop()
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := l.Run(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// exit 0: "a terminal, 24 80\r\n\x1b[1mbold\x1b[0m\r\n"
}

// Typing into a terminal: the line is echoed as a terminal does, then cat
// copies it; Ctrl-D at the start of a line is end-of-file for the reader.
func ExampleTerminal_input() {
	l, err := loop.New()
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	parent, err := childproc.New(l, childproc.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer parent.Close()
	term := &childproc.Terminal{Rows: 24, Cols: 80, Output: &childproc.Output{},
		Input: &childproc.Input{Data: []byte("hi\n\x04")}}
	_, err = parent.Spawn(&childproc.Cmd{
		Args:  []string{"cat"},
		Stdin: term, Stdout: term, Stderr: term,
		OnDone: func(_ *childproc.Child, r *childproc.Result) {
			fmt.Printf("%v: %q\n", r.Status, r.Stdout)
			l.Stop()
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := l.Run(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// exit 0: "hi\r\nhi\r\n"
}

// A job with a deadline whose whole tree is stopped: the shell and the
// sleep it started (in the background, so the shell itself waits in
// `wait`) get SIGTERM after 200 ms; the status says why.
func ExampleCmd_timeout() {
	l, err := loop.New()
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	// TreeAuto: a cgroup per child where possible, else a process group.
	parent, err := childproc.New(l, childproc.Config{Tree: childproc.TreeAuto})
	if err != nil {
		log.Fatal(err)
	}
	defer parent.Close()
	_, err = parent.Spawn(&childproc.Cmd{
		Args:    []string{"sh", "-c", "sleep 30 & wait"},
		Timeout: 200 * time.Millisecond,
		Grace:   time.Second, // SIGKILL if still alive a second after SIGTERM
		OnExit: func(ch *childproc.Child, st childproc.Status) {
			fmt.Println("sh:", st)
			fmt.Println("deadline:", errors.Is(st.Cause, context.DeadlineExceeded), "forced:", st.Forced)
			l.Stop()
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := l.Run(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// sh: signal terminated (stopped: childproc: deadline: context deadline exceeded)
	// deadline: true forced: false
}

// Code that already runs an *exec.Cmd can learn of its exit in the loop,
// with no thread blocked in Wait meanwhile; Wait, called afterwards and off
// the loop goroutine, returns the real ProcessState at once.
func ExampleParent_Watch() {
	l, err := loop.New()
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	parent, err := childproc.New(l, childproc.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer parent.Close()
	cmd := exec.Command("sh", "-c", "exit 4")
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	if _, err := parent.Watch(cmd.Process, func(_ *childproc.Child, st childproc.Status) {
		fmt.Println("loop:", st)
		l.Stop()
	}); err != nil {
		log.Fatal(err) // errors.ErrUnsupported without pidfds (Linux < 5.4)
	}
	if err := l.Run(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("Wait:", cmd.Wait())
	// Output:
	// loop: exit 4
	// Wait: exit status 4
}
