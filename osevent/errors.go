package osevent

import (
	"fmt"
	"io/fs"
	"os"

	"github.com/childloop/childloop/hooks"
)

// The errors the registry and the poll array return. Each wraps a standard
// or contract sentinel, so callers classify them with errors.Is: a closed
// Registry or PollArray gives fs.ErrClosed; a bad argument (negative fd,
// an event mask asking for more than In, Pri and Out, an AfterPoll array
// that is not the last BeforePoll's) gives os.ErrInvalid; Modify of a
// registration that fired or was deregistered gives hooks.ErrNotArmed; a
// call from inside a hook gives hooks.ErrReentrant. Hook errors are
// returned wrapped, so errors.Is finds them too.
var (
	errReentrant    = fmt.Errorf("osevent: %w", hooks.ErrReentrant)
	errClosed       = fmt.Errorf("osevent: %w", fs.ErrClosed)
	errBadFD        = fmt.Errorf("osevent: %w: negative file descriptor", os.ErrInvalid)
	errBadEvents    = fmt.Errorf("osevent: %w: event mask asks for more than In, Pri and Out", os.ErrInvalid)
	errNotArmed     = fmt.Errorf("osevent: %w", hooks.ErrNotArmed)
	errPollMismatch = fmt.Errorf("osevent: %w: AfterPoll array does not match the last BeforePoll", os.ErrInvalid)
)
