package loop_test

import (
	"fmt"
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
