//go:build unix && !linux

package loop

import (
	"errors"
	"fmt"
)

const defaultBackend = backendPoll

func newEpollPoller(int) (poller, error) {
	return nil, fmt.Errorf("loop: epoll: %w", errors.ErrUnsupported)
}
