package methods

import "github.com/childloop/childloop/bench/internal/harness"

// Rows returns the comparison, in the order every table prints it: the
// floor and its C twin (throughput only), childloop's paths (childloop_linux.go), the other Go ways of
// waiting, the rows of the output section only (childloop's capture and
// stream, hand-written read loops, os/exec; output_linux.go), and the
// peers in other runtimes. Adding a row is adding an entry here (or in
// childloopRows, childloopOutputRows or outputRows) and the functions it
// names.
func Rows() []harness.Row {
	rows := []harness.Row{{
		Name: "pidfd + epoll (floor)", Floor: true, Ref: "the floor", Scale: true,
		Available: pidfdAvailable, Latency: pidfdLatency, Throughput: pidfdThroughput,
	}, {
		// The same loop in C, out of process: throughput only.
		Name: "posix_spawn + pidfd + epoll in C", Ref: "the C loop", Peer: true,
		Available: cFloorAvailable, Throughput: cFloorThroughput,
	}}
	rows = append(rows, childloopRows()...)
	rows = append(rows, netpollRow())
	rows = append(rows,
		harness.Row{Name: "exec.Cmd.Wait in a goroutine", Ref: harness.RefExec, Scale: true,
			Latency: execLatency, Throughput: execThroughput, Many: execMany},
		harness.Row{Name: "signal.Notify + wait4(-1, WNOHANG) (go-reap)", Scale: true,
			Latency: goReapLatency, Throughput: goReapThroughput},
		// Not in the scale section: it checks only its own children
		// with wait4(pid), so idle children of the process cost it
		// nothing.
		harness.Row{Name: "signal.Notify → self-pipe → epoll",
			Latency: notifyPipeLatency, Throughput: notifyPipeThroughput},
	)
	rows = append(rows, childloopOutputRows()...)
	rows = append(rows, outputRows()...)
	return append(rows,
		peerRow("node child_process (libuv)", "Node", nodePeer, true),
		withManyMax(peerRow("python3 asyncio (default watcher)", "asyncio (default watcher)", pythonDefault, true),
			15000, "a thread per child: 2N pids, over kernel.pid_max 32768 at N=30000"),
		// Not in the output section: how asyncio learns of the exit
		// hardly matters next to reading the output.
		peerRow("python3 asyncio (pidfd watcher)", "asyncio (pidfd watcher)", pythonPidfd, false),
	)
}
