package osevent_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/loop"
	"github.com/childloop/childloop/osevent"
)

// A library watching one of its fds in the application's loop (here the
// reference loop) through a Registry; the callback runs on the loop
// goroutine and may deregister itself.
func ExampleRegistry_RegisterFD() {
	l, err := loop.New()
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	reg := osevent.New(l)
	defer reg.Close() // before l.Close: it deregisters through l

	r, w, err := os.Pipe()
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	var fd *osevent.FD
	fd, err = reg.RegisterFD(int(r.Fd()), hooks.In, func(_ int, revents hooks.Events) {
		buf := make([]byte, 8)
		n, _ := r.Read(buf)
		fmt.Printf("%v: %q\n", revents, buf[:n])
		fd.Deregister() // before r is closed
		l.Stop()
	})
	if err != nil {
		log.Fatal(err)
	}
	w.WriteString("hello")
	if err := l.Run(); err != nil {
		log.Fatal(err)
	}
	// Output: In: "hello"
}

// Modify moves a timeout's deadline; once it has fired it is no longer
// armed, and Modify says so instead of arming it again.
func ExampleTimeout_Modify() {
	l, err := loop.New()
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	reg := osevent.New(l)
	defer reg.Close()

	t, err := reg.RegisterTimeout(time.Now().Add(time.Hour), func() {
		fmt.Println("fired")
		l.Stop()
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := t.Modify(time.Time{}); err != nil { // now rather than in an hour
		log.Fatal(err)
	}
	if err := l.Run(); err != nil {
		log.Fatal(err)
	}
	err = t.Modify(time.Now().Add(time.Hour))
	fmt.Println(errors.Is(err, hooks.ErrNotArmed))
	// Output:
	// fired
	// true
}
