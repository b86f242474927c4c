//go:build unix && !linux

package loop

const defaultBackend = BackendPoll

func newEpollPoller(int) (poller, error) { return nil, ErrUnsupported }
