package methods

import (
	"context"
	"sync"

	"github.com/childloop/childloop/bench/internal/harness"
	"github.com/childloop/childloop/bench/internal/peerrun"
	"github.com/childloop/childloop/bench/peers"
)

// The C row of the throughput section: bench/peers/c/floor.c, posix_spawn +
// pidfd_open + epoll + waitid(P_PIDFD) with no runtime around it, built
// with the system's C compiler and run as a peer driver (it reports its
// own CPU). Where the Go floor row pays for syscall.ForkExec and the Go
// runtime, this one shows what the kernel and libc leave.

// cFloorImage builds floor.c once per process. Building is Available's
// work, before any measurement: the compiler is a child of this process,
// and its CPU time must not land in a measured round's getrusage.
var cFloorImage = sync.OnceValues(func() ([]byte, error) {
	return peerrun.BuildC(context.Background(), "floor.c", peers.FloorC)
})

// cFloorAvailable builds the driver, or says why it cannot be built.
func cFloorAvailable() error {
	_, err := cFloorImage()
	return err
}

// cFloorThroughput runs the driver like any peer's, from a fresh copy of
// the image.
func cFloorThroughput(ctx context.Context, cfg harness.ThroughputConfig) (harness.ThroughputRun, error) {
	img, err := cFloorImage()
	if err != nil {
		return harness.ThroughputRun{}, err
	}
	m := peerMethod{name: "floor.c", peer: peerrun.Peer{ScriptName: "floor", Script: img}}
	return m.Throughput(ctx, cfg)
}
