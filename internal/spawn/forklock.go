//go:build unix

package spawn

import (
	"sync"
	"syscall"
)

// gate holds syscall.ForkLock for writing while any fork of this package is
// in progress, so that code which creates descriptors and only then marks
// them close-on-exec (holding ForkLock for reading) cannot leak them into a
// child. Concurrent forks of this package share one hold, as
// syscall.ForkExec's do among themselves; without that, every spawn would
// wait for the previous child's exec and a 2-core machine would fork at the
// rate of one core.
//
// A hold admits at most maxJoin forks; later ones wait for it to end and
// take a new one. Between the two, sync.RWMutex lets waiting readers and
// syscall.ForkExec's own writers in, so a stream of overlapping spawns cannot
// shut them out indefinitely.
var gate = newForkGate()

const maxJoin = 32

type forkGate struct {
	mu     sync.Mutex
	ended  sync.Cond // signalled when a hold ends; uses mu
	active int       // forks in progress under the current hold
	joined int       // forks admitted to the current hold
}

func newForkGate() *forkGate {
	g := new(forkGate)
	g.ended.L = &g.mu
	return g
}

func (g *forkGate) acquire() {
	g.mu.Lock()
	for g.active > 0 && g.joined >= maxJoin {
		g.ended.Wait()
	}
	if g.active == 0 {
		// Taken with g.mu held: a second forker must not start its own
		// hold meanwhile (it would wait for ours and serialise).
		syscall.ForkLock.Lock()
		g.joined = 0
	}
	g.active++
	g.joined++
	g.mu.Unlock()
}

func (g *forkGate) release() {
	g.mu.Lock()
	g.active--
	if g.active == 0 {
		syscall.ForkLock.Unlock()
		g.ended.Broadcast()
	}
	g.mu.Unlock()
}
