// Package cgroup has the cgroup v2 mechanics with which childproc stops a
// child's whole tree: a cgroup of the child's own (a Cell, inside one Group
// per context), the child spawned straight into it, the tree signalled or
// killed as one, its usage read, the cgroup removed once empty. A process
// group would do for none of this: a descendant that calls setsid(2)
// leaves it, while no process can leave its cgroup without write access to
// another one.
//
// Kernel floor: CLONE_INTO_CGROUP (clone3, Go's SysProcAttr.UseCgroupFD)
// is Linux 5.7, cgroup.kill 5.14; Check and NewGroup report a kernel
// without cgroup.kill. Elsewhere the package builds and every call returns
// an error wrapping errors.ErrUnsupported. Nothing here starts a goroutine
// or logs; the only blocking call is Group.Close (bounded).
//
// # Finding the hierarchy
//
// Probe finds the process's cgroup v2 directory from /proc/self/mountinfo
// and /proc/self/cgroup, never from a fixed path: cgroup2 is mounted at
// /sys/fs/cgroup on a unified system, at /sys/fs/cgroup/unified beside the
// v1 controllers on a hybrid one, and wherever a container runtime put it
// (possibly showing a subtree only). Detect runs Probe and Check once per
// process.
//
// # Facts this package and its callers build on
//
// Measured on Linux 6.18 (2-core VM, hybrid hierarchy, cgroup2 mounted
// without favordynmods); BenchmarkKill and BenchmarkSpawn measure them
// again, TestZombie, TestNested and TestEventsFD pin the behaviour.
//
//   - clone3 accepts the cell's directory opened O_RDONLY|O_DIRECTORY, and
//     on 6.18 a descriptor opened O_PATH as well (the child lands in the
//     cell either way). Cells use O_RDONLY: the same descriptor serves to
//     open the cell's files, on any kernel.
//   - An open descriptor of a cgroup's directory does not stop its rmdir.
//   - A zombie (exited, not yet reaped) is no longer in its cgroup: it is
//     not in cgroup.procs, the cgroup is not populated, and rmdir succeeds
//     while the zombie waits for its parent. In 1200 trials the cell of a
//     single killed process was never still populated when waitid first
//     reported the exit. With a tree (a shell and two sleeps) the cell was
//     still populated 28–43% of the times the shell's exit was reported:
//     its other processes were still dying.
//   - cgroup.kill returns before the processes are gone: an rmdir right
//     after it failed with EBUSY 86–99% of the times. From cgroup.kill to
//     "populated 0" (200 trials a run, six runs): one sleep(1), p50
//     88–106 µs, p99 0.3–0.8 ms, max 1.9 ms; a shell with two sleeps, p50
//     0.19–0.27 ms, p99 4.1–4.9 ms, max 11 ms. Once cgroup.events said
//     "populated 0", rmdir succeeded every time.
//   - cgroup.events polls as POLLPRI|POLLERR when its values have changed
//     since the descriptor was last read, so a loop can learn that a tree
//     has ended without a timer (EventsFD). A new descriptor polls ready
//     until it is first read.
//   - The usage keys of cpu.stat (usage_usec, user_usec, system_usec) exist
//     in every non-root cgroup, with or without the cpu controller, and
//     keep the time of processes that have left: an orphaned grandchild's
//     CPU is in its cell's usage. memory.peak exists only where the memory
//     controller is enabled for the cell: not on this hybrid system, where
//     memory is a v1 controller.
//   - Cost per child, /bin/true spawned with syscall.ForkExec and reaped
//     (1000 a run, four runs): plainly 0.94–0.99 ms wall, 95–100 µs of the
//     parent's CPU; into a new cell, then Populated, Usage and Remove,
//     1.17–1.23 ms wall, 158–173 µs of parent CPU, and about 120 µs more
//     CPU in the child. An empty cell made and removed: 30–38 µs of CPU.
package cgroup
