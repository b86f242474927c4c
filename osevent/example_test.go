//go:build linux

package osevent_test

import (
	"fmt"
	"log"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/osevent"
	"golang.org/x/sys/unix"
)

// An application that runs poll(2) itself hands the library a PollArray as
// its hooks; each iteration it lets the array add the library's fds and
// lower the timeout, polls, and lets it dispatch what the library's fds
// reported. The application's own fds stay in front of the slice.
func ExamplePollArray() {
	pa, err := osevent.NewPollArray()
	if err != nil {
		log.Fatal(err)
	}
	defer pa.Close()
	ctx, err := childproc.New(pa, childproc.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer ctx.Close() // before pa.Close: the parent deregisters through pa
	done := false
	if _, err := ctx.Spawn(&childproc.Cmd{
		Args:   []string{"sh", "-c", "exit 6"},
		OnExit: func(_ *childproc.Child, st childproc.Status) { fmt.Println("sh:", st); done = true },
	}); err != nil {
		log.Fatal(err)
	}
	var own []unix.PollFd // the application's fds would go here
	for !done {
		fds, timeout := pa.BeforePoll(own, -1, time.Now())
		if _, err := unix.Poll(fds, timeout); err != nil && err != unix.EINTR {
			log.Fatal(err)
		}
		if err := pa.AfterPoll(fds, time.Now()); err != nil {
			log.Fatal(err)
		}
	}
	// Output: sh: exit 6
}

// A library that wants its own fds and timeouts in the application's loop
// keeps a Registry over the application's hooks (here a PollArray). A
// timeout fires once; the zero deadline means as soon as possible.
func ExampleRegistry() {
	pa, err := osevent.NewPollArray()
	if err != nil {
		log.Fatal(err)
	}
	defer pa.Close()
	reg := osevent.New(pa)
	defer reg.Close()
	fired := 0
	for _, d := range []time.Duration{20 * time.Millisecond, 0} {
		if _, err := reg.RegisterTimeout(time.Now().Add(d), func() {
			fired++
			fmt.Println("timeout", fired)
		}); err != nil {
			log.Fatal(err)
		}
	}
	for fired < 2 {
		fds, timeout := pa.BeforePoll(nil, -1, time.Now())
		if _, err := unix.Poll(fds, timeout); err != nil && err != unix.EINTR {
			log.Fatal(err)
		}
		if err := pa.AfterPoll(fds, time.Now()); err != nil {
			log.Fatal(err)
		}
	}
	// Output:
	// timeout 1
	// timeout 2
}
