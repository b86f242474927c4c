package childproc

// SelfPipeWriteFD exposes the context's SIGCHLD self-pipe write end (-1 when
// the context is not a SIGCHLD user) so tests can fill it.
func (c *Context) SelfPipeWriteFD() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pipe == nil {
		return -1
	}
	return c.pipe.W
}

// PipeUsers reports how many self-pipes are registered process-wide.
func PipeUsers() int { return pipeUsers() }

// StrategyInUse names the reaper the context actually runs.
func (c *Context) StrategyInUse() string {
	switch c.reaper.(type) {
	case *scanReaper:
		return "scan"
	case *anyReaper:
		return "any"
	default:
		return "pidfd"
	}
}

// WarmUp opens the process-wide lazily created fds (/dev/null for stdio) so
// that fd-count baselines taken afterwards are stable.
func WarmUp() { _, _ = devNull() }
