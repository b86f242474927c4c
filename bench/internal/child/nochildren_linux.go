package child

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// NoChildren returns an error if the process still has any child, zombie or
// live: waitid(P_ALL, WNOHANG|WNOWAIT) must say ECHILD. Tests call it to
// prove a method reaped everything it started.
func NoChildren() error {
	var info unix.Siginfo
	err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
	if !errors.Is(err, unix.ECHILD) {
		return fmt.Errorf("waitid(P_ALL) = %v, want ECHILD: a child was left behind", err)
	}
	return nil
}
