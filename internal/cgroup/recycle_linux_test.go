package cgroup

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A recycled cell comes back from NewCell, a child spawned into it runs
// there, and its Usage counts only what was used since the recycling.
func TestRecycle(t *testing.T) {
	g := newGroup(t)
	if g.memory {
		t.Skip("the group enables memory for its cells, which are then never recycled")
	}
	c, err := g.NewCell()
	require.NoError(t, err)
	const burn = 200 * time.Millisecond
	require.NoError(t, into(testutil.HelperCommand(t, "burn", burn.String()), c).Run())
	waitEmpty(t, c)
	u, err := c.Usage()
	require.NoError(t, err)
	require.GreaterOrEqual(t, u.CPU, 150*time.Millisecond)
	dir, fd := c.Dir(), c.FD()
	require.True(t, c.Recycle(), "an emptied, unchanged cell is recycled")

	c2, err := g.NewCell()
	require.NoError(t, err)
	assert.Same(t, c, c2, "NewCell hands out the recycled cell")
	assert.Equal(t, dir, c2.Dir())
	assert.Equal(t, fd, c2.FD(), "its directory stays open")
	out, err := into(exec.Command("cat", "/proc/self/cgroup"), c2).Output()
	require.NoError(t, err)
	assert.Contains(t, string(out), "0::"+strings.TrimPrefix(dir, ourCgroup2(t)), "the next child runs in it")
	waitEmpty(t, c2)
	u2, err := c2.Usage()
	require.NoError(t, err)
	t.Logf("first child %+v; after recycling, cat: %+v", u, u2)
	assert.Less(t, u2.CPU, 100*time.Millisecond, "the first child's CPU is not counted again")
	assert.GreaterOrEqual(t, u2.CPU, time.Duration(0))
	assert.InDelta(t, u2.CPU, u2.User+u2.System, float64(20*time.Millisecond))

	// A fresh cell once the recycled one is taken.
	c3, err := g.NewCell()
	require.NoError(t, err)
	assert.NotEqual(t, dir, c3.Dir())
	removeSoon(t, c3)
	removeSoon(t, c2)
	assert.NoDirExists(t, dir)
}

// Cells that cannot pass for new ones are not recycled, and stay as they
// were for Remove: one with a process in it, a frozen one, one with a
// cgroup below it, a removed one.
func TestRecycleRefused(t *testing.T) {
	g := newGroup(t)
	if g.memory {
		t.Skip("the group enables memory for its cells, which are then never recycled")
	}
	t.Run("populated", func(t *testing.T) {
		c, err := g.NewCell()
		require.NoError(t, err)
		cmd := into(exec.Command("sleep", "30"), c)
		require.NoError(t, cmd.Start())
		assert.False(t, c.Recycle())
		require.NoError(t, cmd.Process.Kill())
		assert.Error(t, cmd.Wait())
		waitEmpty(t, c)
		assert.True(t, c.Recycle(), "once empty")
		c2, err := g.NewCell()
		require.NoError(t, err)
		assert.Same(t, c, c2)
		removeSoon(t, c2)
	})
	t.Run("killed", func(t *testing.T) {
		c, err := g.NewCell()
		require.NoError(t, err)
		require.NoError(t, into(exec.Command("true"), c).Run())
		waitEmpty(t, c)
		require.NoError(t, c.Kill())
		assert.False(t, c.Recycle())
		// Why: a child cloned into the killed cell is killed at once (on
		// the kernels that keep the kill's sequence number; not on all).
		err = into(exec.Command("true"), c).Run()
		t.Logf("a child cloned into a killed cell: %v", err)
		removeSoon(t, c)
	})
	t.Run("frozen", func(t *testing.T) {
		c, err := g.NewCell()
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(c.Dir()+"/cgroup.freeze", []byte("1"), 0))
		eventually(t, func() bool {
			b, err := os.ReadFile(c.Dir() + "/cgroup.events")
			require.NoError(t, err)
			return strings.Contains(string(b), "frozen 1")
		}, "frozen")
		assert.False(t, c.Recycle())
		fresh, err := g.NewCell()
		require.NoError(t, err)
		assert.NotSame(t, c, fresh, "nothing was recycled")
		removeSoon(t, fresh)
		removeSoon(t, c)
		assert.NoDirExists(t, c.Dir())
	})
	t.Run("cgroup below", func(t *testing.T) {
		c, err := g.NewCell()
		require.NoError(t, err)
		require.NoError(t, os.Mkdir(c.Dir()+"/inner", 0o755))
		assert.False(t, c.Recycle())
		removeSoon(t, c) // removes inner too
		assert.NoDirExists(t, c.Dir())
	})
	t.Run("removed", func(t *testing.T) {
		c, err := g.NewCell()
		require.NoError(t, err)
		removeSoon(t, c)
		assert.False(t, c.Recycle())
	})
}

// The group keeps at most maxFree recycled cells; Close removes them all,
// and NewCell after Close fails.
func TestRecycleBoundAndClose(t *testing.T) {
	g := newGroup(t)
	if g.memory {
		t.Skip("the group enables memory for its cells, which are then never recycled")
	}
	cells := make([]*Cell, maxFree+3)
	for i := range cells {
		var err error
		cells[i], err = g.NewCell()
		require.NoError(t, err)
	}
	kept := 0
	for _, c := range cells {
		if c.Recycle() {
			kept++
		} else {
			removeSoon(t, c)
		}
	}
	assert.Equal(t, maxFree, kept)
	entries, err := os.ReadDir(g.Dir())
	require.NoError(t, err)
	dirs := 0
	for _, e := range entries {
		if e.IsDir() {
			dirs++
		}
	}
	assert.Equal(t, maxFree, dirs, "the recycled cells' directories")
	require.NoError(t, g.Close())
	assert.NoDirExists(t, g.Dir())
	_, err = g.NewCell()
	assert.ErrorIs(t, err, os.ErrClosed)
	for _, c := range cells {
		assert.Equal(t, -1, c.FD(), "every cell's directory closed")
	}
}
