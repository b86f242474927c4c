// Package cgroup has the cgroup v2 mechanics with which childproc stops a
// child's whole tree. A process group would not do: a descendant that
// calls setsid(2) leaves it, while no process can leave its cgroup without
// write access to another one.
//
// Off Linux the package builds and every call returns an error wrapping
// errors.ErrUnsupported.
//
// # Finding the hierarchy
//
// Probe finds the process's cgroup v2 directory from /proc/self/mountinfo
// and /proc/self/cgroup, never from a fixed path: cgroup2 is mounted at
// /sys/fs/cgroup on a unified system, at /sys/fs/cgroup/unified beside the
// v1 controllers on a hybrid one, and wherever a container runtime put it
// (possibly showing a subtree only).
package cgroup
