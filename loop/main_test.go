package loop

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// timeScale multiplies every test duration; set LOOP_TEST_TIMESCALE on
// slow machines.
var timeScale = func() time.Duration {
	if n, err := strconv.Atoi(os.Getenv("LOOP_TEST_TIMESCALE")); err == nil && n > 0 {
		return time.Duration(n)
	}
	return 1
}()

// ms is n milliseconds, scaled.
func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond * timeScale }

// failAfter bounds any wait that a correct loop ends much sooner.
var failAfter = 10 * time.Second * timeScale

func backends() []backend {
	if defaultBackend == backendEpoll {
		return []backend{backendEpoll, backendPoll}
	}
	return []backend{backendPoll}
}

// testLoop returns a loop with backend b, closed at the end of the test.
func testLoop(t testing.TB, b backend) *Loop {
	t.Helper()
	l, err := newLoop(b)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	if b != backendDefault {
		require.Equal(t, b, l.backend, "newLoop(%v).backend", b)
	}
	return l
}

// forBackends runs fn as a subtest on a new loop of every backend.
func forBackends(t *testing.T, fn func(t *testing.T, l *Loop)) {
	t.Helper()
	for _, b := range backends() {
		t.Run(b.String(), func(t *testing.T) { fn(t, testLoop(t, b)) })
	}
}

// watchdog wakes a loop that a bug left blocked, failing the test, instead
// of letting it hang until the test binary's timeout.
func watchdog(t testing.TB, l *Loop) {
	t.Helper()
	tm := time.AfterFunc(failAfter, func() {
		assert.Failf(t, "loop still blocked", "after %v", failAfter)
		l.Stop()
	})
	t.Cleanup(func() { tm.Stop() })
}

// socketpair returns a connected pair, readable and writable.
func socketpair(t testing.TB) [2]int {
	t.Helper()
	p, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	require.NoError(t, err)
	t.Cleanup(func() { unix.Close(p[0]); unix.Close(p[1]) })
	return p
}

func write1(t testing.TB, fd int) {
	t.Helper()
	_, err := unix.Write(fd, []byte{1})
	require.NoError(t, err)
}

func runOnce(t testing.TB, l *Loop, block bool) {
	t.Helper()
	require.NoError(t, l.RunOnce(block))
}
