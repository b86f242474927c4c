package netpoll_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/netpoll"
)

// A parent on Go's netpoller: no loop of the program's own, and no thread
// parked in epoll_wait. With a nil dispatch the callbacks run on a
// goroutine of the Hooks.
func Example() {
	h, err := netpoll.New(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer h.Close()
	parent, err := childproc.New(h, childproc.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer parent.Close()
	done := make(chan childproc.Status)
	_, err = parent.Spawn(&childproc.Cmd{
		Args:   []string{"sh", "-c", "exit 3"},
		OnExit: func(_ *childproc.Child, st childproc.Status) { done <- st },
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(<-done)
	// Output: exit 3
}

// Dispatching to the application's own goroutine, as a server framework's
// "run this on the loop" call would (gnet: EventLoop.Execute).
func ExampleNew() {
	work, stop := make(chan func(), 16), make(chan struct{})
	h, err := netpoll.New(func(f func()) error {
		select { // queue f; never run it here
		case work <- f:
			return nil
		case <-stop:
			return errors.New("the application's loop has stopped")
		}
	})
	if err != nil {
		log.Fatal(err)
	}
	defer h.Close()
	defer close(stop)
	parent, err := childproc.New(h, childproc.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer parent.Close()
	exited := false
	_, err = parent.Spawn(&childproc.Cmd{
		Args:   []string{"true"},
		OnExit: func(*childproc.Child, childproc.Status) { exited = true },
	})
	if err != nil {
		log.Fatal(err)
	}
	for !exited { // the application's loop: run what the Hooks dispatch
		(<-work)()
	}
	fmt.Println("exited on the application's goroutine")
	// Output: exited on the application's goroutine
}

// Once the Hooks are closed the library refuses to start children whose
// exits nobody would hear of.
func ExampleHooks_Err() {
	h, err := netpoll.New(nil)
	if err != nil {
		log.Fatal(err)
	}
	parent, err := childproc.New(h, childproc.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer parent.Close()
	h.Close()
	fmt.Println(h.Err())
	_, err = parent.Spawn(&childproc.Cmd{Args: []string{"true"}, OnExit: func(*childproc.Child, childproc.Status) {}})
	fmt.Println(err != nil)
	// Output:
	// netpoll: hooks closed: file already closed
	// true
}
