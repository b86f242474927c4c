package osevent

import "github.com/childloop/childloop/hooks"

// mask returns the registration's current event mask.
func (f *FD) mask() hooks.Events {
	f.r.mustLock()
	defer f.r.unlock()
	return f.events
}
