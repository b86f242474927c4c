package childproc

// LeaveAlone tells a ModeOrphans parent that pid, a child of this process
// that other code started without a pidfd (syscall.ForkExec, cgo), is
// someone else's: the parent never reaps it. The mark ends once pid is no
// longer a child of the process (its owner reaped it), so a reused pid is
// not left alone by mistake. Children with a pidfd (os/exec's) need no
// mark. With another Mode it returns an error wrapping os.ErrInvalid.
func (c *Parent) LeaveAlone(pid int) error {
	if pid <= 0 {
		return invalid("leave alone: pid %d", pid)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.usableLocked(); err != nil {
		return err
	}
	r, ok := c.reaper.(interface{ leaveAlone(int) })
	if !ok {
		return invalid("LeaveAlone needs Config.Mode orphans")
	}
	r.leaveAlone(pid)
	return nil
}
