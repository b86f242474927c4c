package cgroup

import "os"

// Probe returns the cgroup v2 directory of the calling process: the
// cgroup2 mount found in MountinfoPath joined with the process's path in
// /proc/self/cgroup, wherever the system mounted the hierarchy
// (/sys/fs/cgroup on a unified system, /sys/fs/cgroup/unified beside the
// v1 controllers on a hybrid one, elsewhere in a container). It reads the
// two files and nothing else. When the system has no cgroup2 hierarchy the
// process can see, the error wraps errors.ErrUnsupported; an unreadable
// file gives os.ReadFile's error.
func Probe() (string, error) {
	mountinfo, err := os.ReadFile(MountinfoPath)
	if err != nil {
		return "", err
	}
	procCgroup, err := os.ReadFile(procCgroupPath)
	if err != nil {
		return "", err
	}
	return probe(mountinfo, procCgroup)
}
