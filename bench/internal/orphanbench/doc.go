// Package orphanbench is bench/cmd/orphans: reaping orphans in a child
// subreaper beside N live os/exec children, with childloop's ModeOrphans,
// ModeReapAll and a go-reap-style signal.Notify + wait4(-1) loop. Each
// method and N runs in a helper process of its own (the subreaper); a
// factory process it starts forks M blocked children and exits, so they
// are reparented to the helper as orphans; the helper then releases them
// all at once and measures how fast, and at what CPU cost, its reaper
// takes them, and afterwards whether its os/exec children's Waits got
// their statuses.
package orphanbench
