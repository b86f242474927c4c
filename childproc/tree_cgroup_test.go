//go:build linux

package childproc_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/testutil"
	"github.com/childloop/childloop/loop"
)

// cgroupCtx returns a TreeCgroup parent, or skips saying why this
// machine cannot give one.
func cgroupCtx(t *testing.T, ev hooks.OSEvents) *childproc.Parent {
	t.Helper()
	c, err := childproc.New(ev, childproc.Config{Tree: childproc.TreeCgroup})
	if err != nil {
		t.Skipf("needs a writable cgroup v2 hierarchy with cgroup.kill (root, Linux 5.14): %v", err)
	}
	t.Cleanup(func() { c.Close() })
	require.Equal(t, childproc.TreeCgroup, c.Tree())
	return c
}

// cells lists the cgroups left in a parent's group.
func cells(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range ents {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

// loopPass waits until loop l has run a timer armed now, on its
// goroutine: the pass under way, with what the parent does after its
// callbacks, is over by then.
func loopPass(t *testing.T, l *loop.Loop) {
	t.Helper()
	done := make(chan struct{})
	_, err := l.AddTimer(time.Time{}, func() error { close(done); return nil })
	require.NoError(t, err)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the loop ran no timer for 10 s")
	}
}

// busyCells lists the cgroups of a parent's group that still hold a
// process or a cgroup below them: what an ended child must not leave
// behind. Emptied cells stay for later children (cgroup.Cell.Recycle).
func busyCells(t *testing.T, dir string) []string {
	t.Helper()
	var busy []string
	for _, name := range cells(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, name, "cgroup.events"))
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENODEV) {
			continue // removed meanwhile (ENODEV: while the read was under way)
		}
		require.NoError(t, err)
		if !strings.Contains(string(b), "populated 0") || len(cells(t, filepath.Join(dir, name))) > 0 {
			busy = append(busy, name)
		}
	}
	return busy
}

// eventuallyNoCells waits (bounded) until the group's cells are removed
// or empty, ready for later children: a cell still holding killed
// processes is dealt with from a loop timeout.
func eventuallyNoCells(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(busyCells(t, dir)) > 0 {
		require.True(t, time.Now().Before(deadline), "cgroups left busy in %s: %v", dir, busyCells(t, dir))
		time.Sleep(5 * time.Millisecond)
	}
}

// Ended children's cells are given to later children when nothing in them
// was changed: one after the other, children run in the same cgroup, and
// each one's TreeUsage counts its own tree only. A cell that a child made
// a cgroup in, or whose leftovers had to be killed, is removed instead.
func TestTreeCgroupRecycles(t *testing.T) {
	l := childproc.StartLoop(t)
	before := openFDs(t)
	c := cgroupCtx(t, l)
	if _, err := os.Stat(filepath.Join(c.CgroupDir(), "cgroup.subtree_control")); err == nil {
		if b, _ := os.ReadFile(filepath.Join(c.CgroupDir(), "cgroup.subtree_control")); strings.Contains(string(b), "memory") {
			t.Skip("the group enables memory for its cells, which are then never recycled")
		}
	}
	type result struct {
		cgroup string // the child's cgroup, as GROUP/CELL
		tree   childproc.TreeUsage
	}
	dir := t.TempDir()
	spawn := func(cmd *childproc.Cmd) childproc.TreeUsage {
		t.Helper()
		_, e := spawnTimed(t, c, cmd)
		r := e.ended(t)
		// The cell is recycled after the callbacks of the loop's pass:
		// wait for the pass to end before the next spawn.
		loopPass(t, l)
		require.True(t, r.st.Success(), "status %v", r.st)
		require.NotNil(t, r.st.TreeUsage)
		return *r.st.TreeUsage
	}
	run := func(script string) result {
		t.Helper()
		cmd := shell(script, nil)
		cmd.Env = append(os.Environ(), "OUT="+filepath.Join(dir, "cg"))
		tree := spawn(cmd)
		b, err := os.ReadFile(filepath.Join(dir, "cg"))
		require.NoError(t, err)
		p := strings.TrimSpace(string(b)) // the path in the cgroup2 hierarchy
		return result{filepath.Join(filepath.Base(filepath.Dir(p)), filepath.Base(p)), tree}
	}
	const cg = `sed -n 's/^0:://p' /proc/self/cgroup > "$OUT"`
	// The first child uses burnUser of CPU, however loaded the machine.
	burnt := spawn(helperCmd(t, "burn", nil))
	require.GreaterOrEqual(t, burnt.CPU, burnUser*9/10) // the cgroup samples user and system apart
	require.Len(t, cells(t, c.CgroupDir()), 1)
	first := result{cgroup: filepath.Join(filepath.Base(c.CgroupDir()), cells(t, c.CgroupDir())[0]), tree: burnt}
	second := run(cg)
	assert.Equal(t, first.cgroup, second.cgroup, "the second child runs in the first one's cell")
	assert.Less(t, second.tree.CPU, burnUser/2, "the first child's CPU is not counted again: %+v", second.tree)
	assert.Len(t, cells(t, c.CgroupDir()), 1)

	// A cell with a cgroup made below it is removed, not kept.
	t.Setenv("CELL", filepath.Join(filepath.Dir(c.CgroupDir()), first.cgroup))
	changed := run(`mkdir "$CELL/inner" && ` + cg)
	assert.Equal(t, first.cgroup, changed.cgroup, "still the recycled cell")
	eventuallyNoCells(t, c.CgroupDir())
	assert.Empty(t, cells(t, c.CgroupDir()))
	fresh := run(cg)
	assert.NotEqual(t, first.cgroup, fresh.cgroup, "a new cell")

	// So is a cell whose leftovers had to be killed; the next child,
	// in a new cell, is not killed with them.
	leftover := run(`sleep 30 & ` + cg)
	assert.Equal(t, fresh.cgroup, leftover.cgroup)
	deadline := time.Now().Add(10 * time.Second)
	for len(cells(t, c.CgroupDir())) > 0 { // removed from a loop timeout once the sleep is gone
		require.True(t, time.Now().Before(deadline), "killed cell not removed: %v", cells(t, c.CgroupDir()))
		time.Sleep(5 * time.Millisecond)
	}
	after := run(cg)
	assert.NotEqual(t, leftover.cgroup, after.cgroup)

	// Close removes the recycled cell with the group, and its fd.
	group := c.CgroupDir()
	require.Len(t, cells(t, group), 1)
	require.NoError(t, c.Close())
	assert.NoDirExists(t, group)
	assertFDsBack(t, before, "fds left by a closed parent with a recycled cell")
}

// The whole tree's CPU is measured, also what the child never waited for
// (rusage cannot see it).
func TestTreeUsage(t *testing.T) {
	l := childproc.StartLoop(t)
	c := cgroupCtx(t, l)
	cmd := shell(`while :; do :; done & sleep 0.6; exit 0`, nil)
	_, e := spawnTimed(t, c, cmd)
	r := e.ended(t)
	require.True(t, r.st.Success(), "status %v", r.st)
	require.NotNil(t, r.st.TreeUsage)
	assert.GreaterOrEqual(t, r.st.TreeUsage.CPU, 150*time.Millisecond, "tree %+v", *r.st.TreeUsage)
	assert.GreaterOrEqual(t, r.st.TreeUsage.CPU, r.st.TreeUsage.User)
	assert.Less(t, r.st.Usage.User+r.st.Usage.System, r.st.TreeUsage.CPU, "the child's rusage should not see its unwaited grandchild")
	if r.st.TreeUsage.MemoryPeak >= 0 {
		assert.Positive(t, r.st.TreeUsage.MemoryPeak)
	}
	eventuallyNoCells(t, c.CgroupDir())
}

// A TreeCgroup child's leftovers end with it.
func TestTreeCgroupEndsWithChild(t *testing.T) {
	l := childproc.StartLoop(t)
	c := cgroupCtx(t, l)
	dir := t.TempDir()
	cmd := shell(`setsid sh -c 'echo $$ > "$DIR/p.tmp"; mv "$DIR/p.tmp" "$DIR/p"; exec sleep 30' & while [ ! -e "$DIR/p" ]; do sleep 0.01; done; exit 0`, nil)
	cmd.Env = append(os.Environ(), "DIR="+dir)
	_, e := spawnTimed(t, c, cmd)
	r := e.ended(t)
	assert.True(t, r.st.Success())
	pids := treePids(t, dir, "p")
	t.Cleanup(func() { _ = syscall.Kill(pids[0], syscall.SIGKILL) })
	assert.False(t, aliveAfterKill(pids[0]), "a TreeCgroup child's setsid'd leftover outlived it")
	eventuallyNoCells(t, c.CgroupDir())
}

func TestTreeCgroupCloseRemovesGroup(t *testing.T) {
	l := childproc.StartLoop(t)
	before := openFDs(t)
	c := cgroupCtx(t, l)
	dir := c.CgroupDir()
	require.DirExists(t, dir)
	cmd := sleepCmd("30")
	cmd.OnExit = func(*childproc.Child, childproc.Status) {}
	ch, err := c.Spawn(cmd)
	require.NoError(t, err)
	assert.ErrorIs(t, ch.Disown(), errors.ErrUnsupported)
	require.NoError(t, c.Close())
	assert.NoDirExists(t, dir)
	assert.NoError(t, testutil.NoChildren())
	assertFDsBack(t, before, "fds left by a closed cgroup context (group and cell descriptors)")
}

// Without a usable hierarchy, TreeAuto falls back to process groups and
// says so; TreeCgroup refuses.
func TestTreeFallbackWithoutCgroup(t *testing.T) {
	restore := childproc.SetDetectCgroup(func() (string, error) {
		return "", errors.New("simulated: no cgroup2 mount in mountinfo")
	})
	defer restore()
	l := childproc.StartLoop(t)
	c := newTreeCtx(t, l, childproc.TreeAuto)
	assert.Equal(t, childproc.TreeGroup, c.Tree())
	rec := newRecorder()
	_, err := c.Spawn(shell("exit 7", rec.onExit(c)))
	require.NoError(t, err)
	rec.wait(t, 1)
	_, err = childproc.New(l, childproc.Config{Tree: childproc.TreeCgroup})
	assert.ErrorContains(t, err, "simulated")
}

// A read-only cgroup2 hierarchy: TreeAuto falls back, TreeCgroup refuses.
func TestTreeReadOnlyCgroup(t *testing.T) {
	mnt := t.TempDir()
	if err := unix.Mount("none", mnt, "cgroup2", unix.MS_RDONLY, ""); err != nil {
		t.Skipf("needs to mount a read-only cgroup2 (root): %v", err)
	}
	t.Cleanup(func() { _ = unix.Unmount(mnt, unix.MNT_DETACH) })
	l := childproc.StartLoop(t)
	c, err := childproc.New(l, childproc.Config{Tree: childproc.TreeAuto, CgroupParent: mnt})
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, childproc.TreeGroup, c.Tree())
	_, err = childproc.New(l, childproc.Config{Tree: childproc.TreeCgroup, CgroupParent: mnt})
	assert.ErrorIs(t, err, syscall.EROFS)
}

func TestTreeBadConfig(t *testing.T) {
	l := childproc.StartLoop(t)
	for name, cfg := range map[string]childproc.Config{
		"not a cgroup":          {Tree: childproc.TreeCgroup, CgroupParent: t.TempDir()},
		"not a cgroup, auto":    {Tree: childproc.TreeAuto, CgroupParent: t.TempDir()},
		"missing":               {Tree: childproc.TreeAuto, CgroupParent: filepath.Join(t.TempDir(), "nope")},
		"parent without cgroup": {Tree: childproc.TreeGroup, CgroupParent: "/sys/fs/cgroup"},
		"bad tree":              {Tree: childproc.Tree(9)},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := childproc.New(l, cfg)
			assert.ErrorIs(t, err, os.ErrInvalid)
			assert.Nil(t, c)
		})
	}
}
