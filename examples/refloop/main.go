// Command refloop runs a few child processes on childloop's reference event
// loop (package loop) and prints how each one ended. One child overruns its
// deadline and is killed.
//
// This is the shape to copy when your program has no event loop of its own:
// create a loop.Loop and a childproc.Parent on it (the default Config: the
// library catches SIGCHLD while it has children, and reaps only its own
// children, so os/exec elsewhere in the program keeps working); Spawn
// children with an OnExit callback; run the loop. OnExit runs on the loop
// goroutine when a child has been reaped; the last one stops the loop.
//
//	go run ./examples/refloop
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/examples/internal/human"
	"github.com/childloop/childloop/loop"
	"github.com/childloop/childloop/osevent"
)

const usage = `usage: refloop [-deadline d]

Refloop runs three children on childloop's reference event loop (package
loop) and prints how each one ended: echo, sh -c 'exit 3', and sleep 10,
which overruns its -deadline and is killed. It takes no input and exits
once the last child is done.

`

func main() {
	deadline := flag.Duration("deadline", time.Second, "how long the sleep 10 child may run before it is killed")
	flag.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), usage)
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*deadline); err != nil {
		fmt.Fprintln(os.Stderr, "refloop:", err)
		os.Exit(1)
	}
}

func run(deadline time.Duration) error {
	// The loop implements hooks.OSEvents: the library registers its fds
	// (a SIGCHLD self-pipe, or on Linux ≥ 5.4 one epoll fd of pidfds)
	// through it.
	l, err := loop.New()
	if err != nil {
		return err
	}
	defer l.Close() // last: after the parent is closed

	parent, err := childproc.New(l, childproc.Config{}) // the default: reap our own children
	if err != nil {
		return err
	}
	// Close kills and reaps any child still running (none, normally: Run
	// returns only after the last exit).
	defer parent.Close()

	// Timeouts can be armed on the loop directly (l.AddTimer); here they
	// go through an osevent.Registry, which works the same on *any*
	// hooks.OSEvents implementation — your own loop included — and
	// withdraws everything still armed when it is closed.
	timeouts := osevent.New(l)
	defer timeouts.Close()

	commands := [][]string{
		{"echo", "hello from a child"},
		{"sh", "-c", "exit 3"},
		{"sleep", "10"}, // overruns its deadline
	}
	fmt.Printf("refloop: running echo, sh -c 'exit 3' and sleep 10 on a loop.Loop; sleep 10 is killed after %v\n", deadline)
	left := len(commands) // owned by the loop goroutine once Run starts
	for i, argv := range commands {
		name := strings.Join(argv, " ")
		start := time.Now()
		var timeout *osevent.Timeout // set below; read only on the loop goroutine
		ch, err := parent.Spawn(&childproc.Cmd{
			Args:   argv,
			Stdout: os.Stdout, // nil would mean /dev/null
			OnExit: func(ch *childproc.Child, st childproc.Status) {
				// The loop goroutine runs this once the child has been
				// reaped: st is its real status.
				if timeout != nil {
					timeout.Deregister() // no-op if it already fired
				}
				fmt.Printf("%s (pid %d): %v after %v\n", name, ch.Pid(), st, human.Duration(time.Since(start)))
				if left--; left == 0 {
					l.Stop() // the last child is done: Run returns
				}
			},
		})
		if err != nil {
			return err
		}
		fmt.Printf("started %s (pid %d)\n", name, ch.Pid())
		if i == 2 {
			// Enforce a deadline: the timeout fires on the loop goroutine,
			// and Kill is safe even if the child exited meanwhile (it then
			// returns os.ErrProcessDone instead of signalling a reused pid).
			timeout, err = timeouts.RegisterTimeout(time.Now().Add(deadline), func() {
				fmt.Printf("%s: deadline %v exceeded, killing it\n", name, deadline)
				_ = ch.Kill()
			})
			if err != nil {
				return err
			}
		}
	}
	// Everything from here on happens in callbacks on this goroutine.
	return l.Run()
}
