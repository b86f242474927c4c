package childproc

import "github.com/childloop/childloop/internal/sysfd"

// selfPipe is one parent's SIGCHLD pipe: the signal source writes one byte
// to W, the parent's loop registration reads R. Both ends are non-blocking
// and close-on-exec from creation. Its fds are immutable until Close, which
// only the owning parent calls, after removePipe.
type selfPipe = sysfd.Waker

func newSelfPipe() (*selfPipe, error) {
	w, err := sysfd.NewPipeWaker()
	if err != nil {
		return nil, err
	}
	return &w, nil
}
