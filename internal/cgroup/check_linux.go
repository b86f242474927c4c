package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// Check reports whether groups can be made under dir: nil when dir is a
// directory of a cgroup2 file system on a kernel with cgroup.kill (Linux
// 5.14). A dir elsewhere gives an error wrapping os.ErrInvalid, a kernel
// without cgroup.kill one wrapping errors.ErrUnsupported; both name dir.
// Check does not try to create anything: write permission shows only when
// NewGroup makes its directory.
func Check(dir string) error {
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return &fs.PathError{Op: "stat", Path: dir, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("cgroup: %s is not a directory: %w", dir, os.ErrInvalid)
	}
	var sfs unix.Statfs_t
	if err := unix.Statfs(dir, &sfs); err != nil {
		return &fs.PathError{Op: "statfs", Path: dir, Err: err}
	}
	if sfs.Type != unix.CGROUP2_SUPER_MAGIC {
		return fmt.Errorf("cgroup: %s is not in a cgroup2 file system (its type is %#x): %w", dir, sfs.Type, os.ErrInvalid)
	}
	// cgroup.kill is one of the files the kernel leaves out of the root
	// cgroup, cgroup.events another. A directory with neither is the root,
	// where the kernel release has to tell; NewGroup checks cgroup.kill in
	// the group it makes in any case.
	switch {
	case exists(dir + "/cgroup.kill"):
		return nil
	case exists(dir + "/cgroup.events"):
		return fmt.Errorf("cgroup: %s has no cgroup.kill (Linux 5.14 or later needed): %w", dir, errors.ErrUnsupported)
	}
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		return os.NewSyscallError("uname", err)
	}
	if release := unix.ByteSliceToString(uts.Release[:]); !releaseAtLeast(release, 5, 14) {
		return fmt.Errorf("cgroup: kernel %s has no cgroup.kill (Linux 5.14 or later needed) for %s: %w", release, dir, errors.ErrUnsupported)
	}
	return nil
}

// exists reports whether path exists (as far as a stat can tell).
func exists(path string) bool {
	var st unix.Stat_t
	return unix.Stat(path, &st) == nil
}
