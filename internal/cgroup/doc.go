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
package cgroup
