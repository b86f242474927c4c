//go:build unix

package osevent

import (
	"github.com/childloop/childloop/hooks"
	"github.com/childloop/childloop/internal/timerheap"
)

// timeoutState is where a PollArray timeout is in its life.
type timeoutState uint8

const (
	timeoutArmed timeoutState = iota // in the heap
	timeoutDue                       // taken out by AfterPoll, not yet delivered
	timeoutDead                      // delivered or deregistered
)

// pollTimeout is the PollArray's Registration for one timeout.
type pollTimeout struct {
	target hooks.TimeoutTarget // immutable

	tm    timerheap.Timer // deadline and place in PollArray.timers; guarded by PollArray.mu
	state timeoutState    // guarded by PollArray.mu
}

// timeoutOf is the heap's accessor.
func timeoutOf(t *pollTimeout) *timerheap.Timer { return &t.tm }
