package hooks

import (
	"time"
)

// Events is a poll(2) event mask. Its bit values are those of poll(2), which
// are identical on Linux, Darwin and FreeBSD, so an application using poll
// can convert with a plain type conversion; an epoll application maps them to
// the EPOLL* bits of the same names.
type Events uint16

// Event bits. A registration may ask for In, Pri and Out; Fault, Hup and
// Nval are only ever reported.
const (
	In    Events = 0x0001 // readable (POLLIN)
	Pri   Events = 0x0002 // urgent data (POLLPRI)
	Out   Events = 0x0004 // writable (POLLOUT)
	Fault Events = 0x0008 // error condition on the fd (POLLERR), reported only
	Hup   Events = 0x0010 // hang-up: the peer closed (POLLHUP), reported only
	Nval  Events = 0x0020 // fd not open (POLLNVAL), reported only
)

// String returns the set bits as "In|Out" etc., or "0" for an empty mask.
func (e Events) String() string {
	if e == 0 {
		return "0"
	}
	names := [...]string{"In", "Pri", "Out", "Fault", "Hup", "Nval"}
	var b []byte
	for i, n := range names {
		if e&(1<<i) != 0 {
			if len(b) > 0 {
				b = append(b, '|')
			}
			b = append(b, n...)
		}
	}
	if rest := e &^ 0x3f; rest != 0 {
		if len(b) > 0 {
			b = append(b, '|')
		}
		b = append(b, "0x"...)
		const hex = "0123456789abcdef"
		var tmp [4]byte
		n := len(tmp)
		for v := uint16(rest); v != 0; v >>= 4 {
			n--
			tmp[n] = hex[v&0xf]
		}
		b = append(b, tmp[n:]...)
	}
	return string(b)
}

// Registration is the application's handle for one fd or timeout
// registration. The library never looks inside it; it stores the value a
// Register or Modify hook returned and passes it back to later hooks.
type Registration any

// FDTarget receives readiness for one fd registration. The library creates
// one per registration generation and hands it to [OSEvents.RegisterFD]; the
// application keeps it with the registration and calls FDOccurred from its
// loop when the fd is ready.
type FDTarget interface {
	// FDOccurred reports that fd is ready with revents (the bits poll or
	// epoll returned, possibly including Fault, Hup or Nval). It returns a
	// non-nil error (wrapping ErrReentrant) only when the call itself was
	// illegal, made from inside a hook; a stale occurrence is ignored and
	// returns nil.
	FDOccurred(fd int, revents Events) error
}

// TimeoutTarget receives the expiry of one timeout registration.
type TimeoutTarget interface {
	// TimeoutOccurred reports that the timeout's deadline has passed. After
	// the call the registration is gone; the library will not deregister
	// it. Like FDOccurred it returns an error only for an illegal call.
	TimeoutOccurred() error
}

// OSEvents are the hooks through which the library registers fds and
// timeouts in the application's loop. See the package documentation for the
// rules every implementation must follow.
//
// Deadlines are absolute times taken from [time.Now] (they carry a monotonic
// clock reading, so wall-clock jumps do not move them); the zero time.Time
// means "as soon as possible": deliver the timeout on the next loop
// iteration without sleeping.
type OSEvents interface {
	// RegisterFD asks the application to watch fd for events and to
	// report readiness to target. events may be empty.
	RegisterFD(fd int, events Events, target FDTarget) (Registration, error)

	// ModifyFD changes the event mask of an existing registration. On
	// error the registration keeps its old mask.
	ModifyFD(reg Registration, fd int, events Events) (Registration, error)

	// DeregisterFD stops watching. The library calls it before it closes
	// the fd. It cannot fail; occurrences already queued for the
	// registration may still be delivered and will be ignored.
	DeregisterFD(reg Registration, fd int)

	// RegisterTimeout arms a one-shot timeout for deadline.
	RegisterTimeout(deadline time.Time, target TimeoutTarget) (Registration, error)

	// ModifyTimeout moves the deadline of an armed timeout (the zero time:
	// fire now). On error the old deadline stands; a timeout that already
	// fired or was deregistered is not armed again: the error wraps
	// ErrNotArmed.
	ModifyTimeout(reg Registration, deadline time.Time) (Registration, error)

	// DeregisterTimeout disarms a timeout. It must tolerate a timeout
	// that fired concurrently.
	DeregisterTimeout(reg Registration)
}

// Closer is an optional interface of OSEvents, for an application whose
// loop can be closed while a library parent still holds registrations.
// Err reports, without blocking and without calling into the library,
// whether the hooks still deliver occurrences: nil, or once the loop is
// closed an error wrapping fs.ErrClosed. The library asks before it starts
// or adopts a child whose exit only an existing registration would report,
// so that such a start fails instead of leaving a child nobody hears of.
// The reference loop and osevent.PollArray implement it.
type Closer interface {
	Err() error
}
