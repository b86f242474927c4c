package child

import "testing"

// noChildren fails t if the process still has a child, zombie or live.
func noChildren(t *testing.T) {
	t.Helper()
	if err := NoChildren(); err != nil {
		t.Error(err)
	}
}

func TestCatProtocol(t *testing.T) {
	c, err := SpawnCat(true)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.PidFD < 0 {
		t.Fatalf("no pidfd")
	}
	if err := c.Handshake(); err != nil {
		t.Fatal(err)
	}
	c.CloseStdin()
	ws, err := Reap(c.Pid)
	if err != nil || !ws.Exited() || ws.ExitStatus() != 0 {
		t.Fatalf("cat ended %v, %v; want exit 0", ws, err)
	}
	noChildren(t)
}

func TestTrue(t *testing.T) {
	pid, pidfd, err := SpawnTrue(false)
	if err != nil || pidfd != -1 {
		t.Fatal(pid, pidfd, err)
	}
	if ws, err := Reap(pid); err != nil || ws.ExitStatus() != 0 {
		t.Fatal(ws, err)
	}
	noChildren(t)
}

func TestIdlePool(t *testing.T) {
	p, err := NewIdlePool()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Grow(10, nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Grow(25, nil); err != nil || p.Len() != 25 {
		t.Fatal(p.Len(), err)
	}
	if err := p.Release(); err != nil {
		t.Fatal(err)
	}
	if err := p.Release(); err != nil {
		t.Fatal("second Release:", err)
	}
	if err := p.Grow(1, nil); err == nil {
		t.Fatal("Grow after Release succeeded")
	}
	noChildren(t)
}
