//go:build unix

package testutil

import (
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// pipe returns a pipe whose ends still open (not set to -1 by closeFD) are
// closed at the end of the test.
func pipe(t *testing.T, cloexec bool) *[2]int {
	t.Helper()
	var p [2]int
	require.NoError(t, unix.Pipe(p[:]))
	if cloexec {
		unix.CloseOnExec(p[0])
		unix.CloseOnExec(p[1])
	}
	t.Cleanup(func() {
		for _, fd := range p {
			if fd >= 0 {
				unix.Close(fd)
			}
		}
	})
	return &p
}

func closeFD(fd *int) {
	unix.Close(*fd)
	*fd = -1
}

func TestOpenFDs(t *testing.T) {
	before, err := OpenFDs()
	require.NoError(t, err)
	assert.True(t, slices.IsSorted(before))
	assert.Subset(t, before, []int{0, 1, 2})

	p := pipe(t, true)
	ip := pipe(t, false)
	r, ir := p[0], ip[0]
	during, err := OpenFDs()
	require.NoError(t, err)
	assert.Subset(t, during, []int{p[0], p[1], ip[0], ip[1]})
	assert.Len(t, during, len(before)+4)
	inh, err := InheritableFDs()
	require.NoError(t, err)
	assert.True(t, slices.IsSorted(inh))
	assert.Subset(t, inh, []int{ip[0], ip[1]})
	assert.NotContains(t, inh, p[0])
	assert.NotContains(t, inh, p[1])

	closeFD(&p[0])
	closeFD(&ip[0])
	after, err := OpenFDs()
	require.NoError(t, err)
	assert.NotContains(t, after, r)
	assert.NotContains(t, after, ir)
	assert.Len(t, after, len(before)+2)
}

// TestOpenFDsLeavesOutItsOwn: the lowest free number is the one the
// listing reads through; it must not be listed.
func TestOpenFDsLeavesOutItsOwn(t *testing.T) {
	free, err := unix.Dup(0)
	require.NoError(t, err)
	unix.Close(free)
	fds, err := OpenFDs()
	require.NoError(t, err)
	assert.NotContains(t, fds, free)
}

// TestProbeFDs checks the fcntl probe (OpenFDs off Linux) against OpenFDs.
func TestProbeFDs(t *testing.T) {
	p := pipe(t, true)
	fds, err := OpenFDs()
	require.NoError(t, err)
	n := fds[len(fds)-1] + 1
	assert.Equal(t, fds, probeFDs(n))
	below := slices.DeleteFunc(slices.Clone(fds), func(fd int) bool { return fd >= p[1] })
	assert.Equal(t, below, probeFDs(p[1]))
	assert.Contains(t, below, p[0])
}

func TestCheckFDLeak(t *testing.T) {
	t.Run("none", func(t *testing.T) {
		f := &fakeTB{}
		f.run(CheckFDLeak)
		p := pipe(t, true) // opened and closed within the test
		closeFD(&p[0])
		closeFD(&p[1])
		f.end()
		assert.False(t, f.fatal)
		assert.Empty(t, f.errs)
	})
	t.Run("opened", func(t *testing.T) {
		f := &fakeTB{}
		f.run(CheckFDLeak)
		p := pipe(t, true)
		f.end()
		assert.False(t, f.fatal)
		require.Len(t, f.errs, 1)
		assert.Contains(t, f.errs[0], fmt.Sprintf("opened and left open: [%s, %s]", describeFD(p[0]), describeFD(p[1])))
		assert.Contains(t, f.errs[0], "closed though open before: []")
	})
	t.Run("closed", func(t *testing.T) {
		p := pipe(t, true)
		w := p[1]
		f := &fakeTB{}
		f.run(CheckFDLeak)
		closeFD(&p[1])
		f.end()
		require.Len(t, f.errs, 1)
		assert.Contains(t, f.errs[0], fmt.Sprintf("closed though open before: [%d]", w))
		assert.Contains(t, f.errs[0], "opened and left open: []")
	})
}

func TestPipe(t *testing.T) {
	f := &fakeTB{}
	var p *[2]int
	f.run(func(tb testing.TB) { p = Pipe(tb) })
	require.NotNil(t, p)
	r, w := p[0], p[1]
	fds, err := OpenFDs()
	require.NoError(t, err)
	assert.Subset(t, fds, []int{r, w})
	inh, err := InheritableFDs()
	require.NoError(t, err)
	assert.NotContains(t, inh, r, "close-on-exec")
	assert.NotContains(t, inh, w, "close-on-exec")
	for _, fd := range p {
		fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
		require.NoError(t, err)
		assert.NotZero(t, fl&unix.O_NONBLOCK, "fd %d: non-blocking", fd)
	}

	// An end the test closed and set to -1 is not closed again: the number
	// may be another descriptor's by then.
	closeFD(&p[0])
	other := pipe(t, true) // takes r's number, the lowest free one
	require.Equal(t, r, other[0])
	f.end()
	assert.Empty(t, f.errs)
	fds, err = OpenFDs()
	require.NoError(t, err)
	assert.NotContains(t, fds, w, "closed at the end of the test")
	assert.Contains(t, fds, other[0], "the -1 entry's old number, reused, left open")
}

// TestOpenFDsPollerStarted: the runtime poller's descriptors are open once
// OpenFDs has run, so a process's first *os.File adds none that stay. It
// looks in a helper process, where nothing has started the poller yet.
func TestOpenFDsPollerStarted(t *testing.T) {
	out, err := HelperCommand(t, "poller").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "same\n", string(out))
}

// helperPoller prints whether OpenFDs lists the same descriptors before
// and after the process's first *os.File.
func helperPoller([]string) int {
	before, err := OpenFDs()
	if err != nil {
		fmt.Println(err)
		return 1
	}
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Println(err)
		return 1
	}
	r.Close()
	w.Close()
	after, err := OpenFDs()
	if err != nil {
		fmt.Println(err)
		return 1
	}
	if !slices.Equal(before, after) {
		fmt.Printf("before %v, after %v\n", before, after)
		return 0
	}
	fmt.Println("same")
	return 0
}
