package hooks_test

import (
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os"

	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/loop"
)

// Event masks are poll(2) bits; String names them.
func ExampleEvents() {
	requested := hooks.In | hooks.Out
	reported := hooks.In | hooks.Hup // the peer closed: readable until EOF
	fmt.Println(requested, reported, reported&requested)
	// Output: In|Out In|Hup In
}

// fdFunc adapts a function to hooks.FDTarget.
type fdFunc func(fd int, revents hooks.Events) error

func (f fdFunc) FDOccurred(fd int, revents hooks.Events) error { return f(fd, revents) }

// The reference loop implements OSEvents; an FDTarget registered through
// its hooks is called from Run when the fd is ready.
func ExampleFDTarget() {
	l, err := loop.New()
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	var h hooks.OSEvents = l // what the library would be given

	r, w, err := os.Pipe()
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	w.WriteString("ping")

	var reg hooks.Registration
	reg, err = h.RegisterFD(int(r.Fd()), hooks.In, fdFunc(func(fd int, revents hooks.Events) error {
		fmt.Println("pipe ready:", revents)
		h.DeregisterFD(reg, fd) // before the fd is closed
		l.Stop()
		return nil
	}))
	if err != nil {
		log.Fatal(err)
	}
	if err := l.Run(); err != nil {
		log.Fatal(err)
	}
	// Output: pipe ready: In
}

// Closer tells the library whether the application's loop still delivers
// occurrences; the reference loop implements it.
func ExampleCloser() {
	l, err := loop.New()
	if err != nil {
		log.Fatal(err)
	}
	var h hooks.OSEvents = l
	c, ok := h.(hooks.Closer)
	fmt.Println(ok, c.Err())
	l.Close()
	fmt.Println(errors.Is(c.Err(), fs.ErrClosed))
	// Output:
	// true <nil>
	// true
}
