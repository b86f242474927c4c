package childproc

import (
	"context"
	"fmt"
	"syscall"
	"time"

	"github.com/childloop/childloop/osevent"
)

// DefaultGrace is how long a stopped child has, after its stop signal,
// before it is sent SIGKILL, when Cmd.Grace is zero.
const DefaultGrace = 5 * time.Second

// lifetime is a child's deadline and stop state. Every field is guarded by
// ctx.mu; once the child is gone nothing changes any more, so the exit
// dispatch reads cause and forced without the lock.
type lifetime struct {
	sig      syscall.Signal   // stop signal
	grace    time.Duration    // stop signal to SIGKILL
	deadline time.Time        // when the deadline stops the child; zero: none
	timer    *osevent.Timeout // the deadline, or once stopping the SIGKILL; nil if none armed
	gen      uint64           // bumped whenever timer changes: a callback of an older one is stale
	cause    error            // why the child is being stopped; nil until then
	forced   bool             // SIGKILL was sent after the grace period
	unhook   func() bool      // stops Cmd.Parent's AfterFunc; nil without one
}

// lifetimeOf checks cmd's lifetime fields and turns them into a plan, nil
// when the child has none (a Stop then makes one). It fails, and nothing is
// started, for bad durations, a deadline already past or a Context already
// done.
func lifetimeOf(cmd *Cmd) (*lifetime, error) {
	switch {
	case cmd.Timeout < 0:
		return nil, invalid("spawn: negative Cmd.Timeout %v", cmd.Timeout)
	case cmd.Grace < 0:
		return nil, invalid("spawn: negative Cmd.Grace %v", cmd.Grace)
	case cmd.StopSignal < 0 || cmd.StopSignal > 64:
		return nil, invalid("spawn: Cmd.StopSignal %d", int(cmd.StopSignal))
	}
	bounded := cmd.Timeout > 0 || cmd.Context != nil
	if cmd.Context != nil && cmd.Context.Err() != nil {
		return nil, fmt.Errorf("childproc: spawn: %w", context.Cause(cmd.Context))
	}
	if !bounded && cmd.StopSignal == 0 && cmd.Grace == 0 {
		return nil, nil
	}
	lt := &lifetime{sig: cmd.StopSignal, grace: cmd.Grace}
	if lt.sig == 0 {
		lt.sig = syscall.SIGTERM
	}
	if lt.grace == 0 {
		lt.grace = DefaultGrace
	}
	if cmd.Timeout > 0 {
		lt.deadline = time.Now().Add(cmd.Timeout)
	}
	return lt, nil
}

// armLocked starts the child's lifetime once it is recorded: the deadline
// timeout and the Context hook. On error nothing stays armed. ctx.mu held.
func (ch *Child) armLocked(lt *lifetime, ctx context.Context) error {
	ch.life = lt
	if !lt.deadline.IsZero() {
		if err := ch.setTimerLocked(lt.deadline, (*Child).deadlineExpiredLocked); err != nil {
			return fmt.Errorf("childproc: deadline: %w", err)
		}
	}
	if ctx != nil {
		// AfterFunc starts a goroutine only once ctx is done; it reaches
		// the child under ctx.mu and leaves the SIGKILL to a loop timer.
		lt.unhook = context.AfterFunc(ctx, func() {
			ch.stopFor(context.Cause(ctx), -1)
		})
	}
	return nil
}

// setTimerLocked replaces the child's timer with one calling fn at t
// (none when fn is nil). A timeout that fired just as it was replaced may
// still call its callback; the generation it carries makes that a no-op.
// ctx.mu held.
func (ch *Child) setTimerLocked(t time.Time, fn func(*Child)) error {
	lt := ch.life
	if lt.timer != nil {
		lt.timer.Deregister()
		lt.timer = nil
	}
	lt.gen++
	if fn == nil {
		return nil
	}
	gen := lt.gen
	tm, err := ch.ctx.reg.RegisterTimeout(t, func() {
		ch.ctx.mu.Lock()
		defer ch.ctx.mu.Unlock()
		if !ch.gone && ch.life.gen == gen {
			ch.life.timer = nil
			fn(ch)
		}
	})
	if err != nil {
		return err
	}
	lt.timer = tm
	return nil
}

// endLifeLocked disarms what is still armed when the child leaves the
// context. ctx.mu held.
func (ch *Child) endLifeLocked() {
	lt := ch.life
	if lt == nil {
		return
	}
	_ = ch.setTimerLocked(time.Time{}, nil)
	if lt.unhook != nil {
		lt.unhook()
		lt.unhook = nil
	}
}

// deadlineExpiredLocked is the deadline timeout, on the loop goroutine.
func (ch *Child) deadlineExpiredLocked() {
	_ = ch.stopLocked(fmt.Errorf("childproc: deadline: %w", context.DeadlineExceeded), -1)
}

// Stop stops the child's tree now: the stop signal (Cmd.StopSignal,
// SIGTERM by default) goes to the child and, with Config.Tree, to all its
// descendants; whatever is still alive after grace gets SIGKILL. A zero
// grace sends SIGKILL at once. The status then carries a Cause wrapping
// ErrStopped. Stopping a child already being stopped only brings its
// SIGKILL forward, if grace ends sooner. It returns os.ErrProcessDone once
// the child has been reaped, and an error wrapping os.ErrInvalid for a
// negative grace.
func (ch *Child) Stop(grace time.Duration) error {
	if grace < 0 {
		return invalid("stop: negative grace %v", grace)
	}
	return ch.stopFor(ErrStopped, grace)
}

// stopFor is Stop for any cause; grace < 0 means the child's own.
func (ch *Child) stopFor(cause error, grace time.Duration) error {
	return ch.whileLive(func() error { return ch.stopLocked(cause, grace) })
}

// stopLocked begins (or hurries) a stop. ctx.mu held, child live.
func (ch *Child) stopLocked(cause error, grace time.Duration) error {
	lt := ch.life
	if lt == nil {
		lt = &lifetime{sig: syscall.SIGTERM, grace: DefaultGrace}
		ch.life = lt
	}
	if grace < 0 {
		grace = lt.grace
	}
	killAt := time.Now().Add(grace)
	if lt.cause != nil {
		// Already stopping: only an earlier SIGKILL changes anything.
		if grace == 0 {
			return ch.forceLocked()
		}
		if lt.timer != nil && killAt.Before(lt.deadline) {
			lt.deadline = killAt
			if err := ch.setTimerLocked(killAt, (*Child).forceKill); err != nil {
				return ch.forceLocked()
			}
		}
		return nil
	}
	lt.cause = cause
	if grace == 0 || lt.sig == syscall.SIGKILL {
		_ = ch.setTimerLocked(time.Time{}, nil)
		return ch.signalTreeLocked(syscall.SIGKILL)
	}
	// Arm the SIGKILL first: a stop signal whose escalation could not be
	// scheduled would leave a child that ignores it running forever.
	// While stopping, deadline holds the SIGKILL's time.
	lt.deadline = killAt
	if err := ch.setTimerLocked(killAt, (*Child).forceKill); err != nil {
		_ = ch.forceLocked()
		return fmt.Errorf("childproc: stop: %w", err)
	}
	return ch.signalTreeLocked(lt.sig)
}

// forceKill is the end of a stop's grace period, on the loop goroutine.
func (ch *Child) forceKill() { _ = ch.forceLocked() }

// forceLocked sends the stop's SIGKILL. ctx.mu held.
func (ch *Child) forceLocked() error {
	_ = ch.setTimerLocked(time.Time{}, nil)
	ch.life.forced = true
	return ch.signalTreeLocked(syscall.SIGKILL)
}

// SetDeadline moves the child's deadline to t, or cancels it when t is the
// zero time; a t already past stops the child on the loop's next turn. The
// deadline stops the child as Stop does, with Cmd.StopSignal and Cmd.Grace,
// and a Cause wrapping context.DeadlineExceeded. It returns
// os.ErrProcessDone once the child has been reaped, and an error wrapping
// ErrStopped once a stop is under way (it cannot be called back).
func (ch *Child) SetDeadline(t time.Time) error {
	return ch.whileLive(func() error { return ch.setDeadlineLocked(t) })
}

// setDeadlineLocked is SetDeadline with ctx.mu held, the child live.
func (ch *Child) setDeadlineLocked(t time.Time) error {
	lt := ch.life
	if lt == nil {
		if t.IsZero() {
			return nil
		}
		lt = &lifetime{sig: syscall.SIGTERM, grace: DefaultGrace}
		ch.life = lt
	}
	if lt.cause != nil {
		return fmt.Errorf("childproc: set deadline: %w: a stop is under way", ErrStopped)
	}
	lt.deadline = t
	if t.IsZero() {
		return ch.setTimerLocked(t, nil)
	}
	if err := ch.setTimerLocked(t, (*Child).deadlineExpiredLocked); err != nil {
		return fmt.Errorf("childproc: set deadline: %w", err)
	}
	return nil
}

// signalTreeLocked sends sig to the child's tree as far as the parent's
// Tree mode reaches: the child's cgroup, its process group, or the child
// alone. ctx.mu held, child live.
func (ch *Child) signalTreeLocked(sig syscall.Signal) error {
	if ch.tree != nil {
		return ch.tree.signal(ch, sig)
	}
	return ch.signalLocked(sig)
}
