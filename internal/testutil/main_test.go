package testutil

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

var testHelpers = map[string]Helper{
	// echo prints its arguments and the helper entries of its environment.
	"echo": func(args []string) int {
		var marks []string
		for _, kv := range os.Environ() {
			if strings.HasPrefix(kv, HelperEnvVar+"=") {
				marks = append(marks, kv)
			}
		}
		fmt.Printf("args=%q env=%q\n", args, marks)
		return 0
	},
	// exit exits with status args[0].
	"exit": func(args []string) int {
		n, _ := strconv.Atoi(args[0])
		return n
	},
	// poller: see TestOpenFDsPollerStarted.
	"poller": helperPoller,
	// block prints "ready", reads stdin until EOF, then exits 0.
	"block": func([]string) int {
		fmt.Println("ready")
		_, _ = io.Copy(io.Discard, os.Stdin)
		return 0
	},
}

func TestMain(m *testing.M) {
	RunHelperIfChild(testHelpers)
	goleak.VerifyTestMain(m)
}

// fakeTB records what a helper under test reports. Fatalf ends the calling
// goroutine, as testing's does; run the code under test with fakeTB.run.
type fakeTB struct {
	testing.TB // nil: any other method panics
	mu         sync.Mutex
	errs       []string
	fatal      bool
	cleanups   []func()
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	f.mu.Lock()
	f.fatal = true
	f.mu.Unlock()
	runtime.Goexit()
}
func (f *fakeTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }

// run calls fn(f) on a goroutine of its own and waits for it.
func (f *fakeTB) run(fn func(testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
}

// end runs the cleanups, last first, as testing does when a test ends.
func (f *fakeTB) end() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.run(func(testing.TB) { f.cleanups[i]() })
	}
	f.cleanups = nil
}

func TestGoID(t *testing.T) {
	me := GoID()
	assert.Positive(t, me)
	assert.Equal(t, me, GoID(), "the same goroutine")
	other := make(chan int)
	go func() { other <- GoID() }()
	id := <-other
	assert.Positive(t, id)
	assert.NotEqual(t, me, id, "another goroutine")
}
