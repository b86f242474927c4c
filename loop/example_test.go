package loop_test

import (
	"fmt"
	"log"
	"os"
	"time"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/loop"
)

// A loop watching a pipe and running a timer, until the timer stops it.
func Example() {
	l, err := loop.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()

	r, w, err := os.Pipe()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	defer w.Close()
	rfd := int(r.Fd())

	var watcher *loop.Watcher
	watcher, err = l.Watch(rfd, hooks.In, func(fd int, ev hooks.Events) error {
		buf := make([]byte, 16)
		n, err := r.Read(buf)
		fmt.Printf("read %q (%v)\n", buf[:n], ev)
		watcher.Stop() // deregister before the fd is closed
		return err
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	l.AddTimer(time.Now().Add(10*time.Millisecond), func() error {
		fmt.Println("timer fired; stopping")
		l.Stop()
		return nil
	})
	w.Write([]byte("hello"))

	if err := l.Run(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// read "hello" (In)
	// timer fired; stopping
}

// Timers fire in deadline order; a cancelled one does not fire at all, and
// a fired one can be armed again with Reset.
func ExampleLoop_AddTimer() {
	l, err := loop.New()
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	now := time.Now()
	say := func(s string) func() error {
		return func() error { fmt.Println(s); return nil }
	}
	l.AddTimer(now.Add(-time.Second), say("overdue: second"))
	l.AddTimer(time.Time{}, say("zero deadline: first"))
	cancelled, _ := l.AddTimer(now, say("never"))
	fmt.Println("cancelled:", cancelled.Cancel())

	rounds := 0
	var again *loop.Timer
	again, _ = l.AddTimer(now.Add(time.Millisecond), func() error {
		rounds++
		fmt.Println("round", rounds)
		if rounds == 2 {
			l.Stop()
			return nil
		}
		return again.Reset(time.Now()) // fire once more
	})
	if err := l.Run(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// cancelled: true
	// zero deadline: first
	// overdue: second
	// round 1
	// round 2
}

// RunOnce lets a program drive the loop itself, one iteration at a time:
// without blocking it runs only what is ready now.
func ExampleLoop_RunOnce() {
	l, err := loop.New()
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	l.AddTimer(time.Time{}, func() error { fmt.Println("due timer"); return nil })
	l.AddTimer(time.Now().Add(time.Hour), func() error { fmt.Println("in an hour"); return nil })
	for i := range 2 {
		if err := l.RunOnce(false); err != nil {
			log.Fatal(err)
		}
		fmt.Println("iteration", i, "done")
	}
	// Output:
	// due timer
	// iteration 0 done
	// iteration 1 done
}

// Wake interrupts a blocked iteration from another goroutine, here to
// make the loop pick up work that goroutine queued.
func ExampleLoop_Wake() {
	l, err := loop.New()
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	queue := make(chan string, 1)
	go func() {
		queue <- "work from another goroutine"
		l.Wake()
	}()
	for {
		if err := l.RunOnce(true); err != nil { // blocks until woken
			log.Fatal(err)
		}
		select {
		case work := <-queue:
			fmt.Println(work)
			return
		default: // woken for something else: wait again
		}
	}
	// Output: work from another goroutine
}
