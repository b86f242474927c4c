package cgroup

import (
	"io/fs"

	"golang.org/x/sys/unix"
)

// The interface files of a cgroup are read and written relative to the
// descriptor of its directory, into buffers the caller keeps on its stack:
// these calls run once or a few times per child exit, and need no path
// string and no heap buffer. Paths are built only for errors.

// readAt reads file name of directory dirfd (named dir, for errors) into
// buf, and returns how many bytes it got: all of the file, or its first
// len(buf) bytes when it is longer.
func readAt(dirfd int, dir, name string, buf []byte) (int, error) {
	fd, err := openAt(dirfd, dir, name, unix.O_RDONLY)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	n, err := readFull(fd, buf)
	if err != nil {
		return n, &fs.PathError{Op: "read", Path: dir + "/" + name, Err: err}
	}
	return n, nil
}

// readFull reads fd from offset 0 into buf until EOF or buf is full. Reads
// of cgroup files go through the kernel's seq_file, which returns one
// record (or a page) per call: a single read may give less than the whole
// file. Reading at explicit offsets serves a freshly opened file and one
// kept open and read again alike (cgroup.events: reading it also re-arms
// its poll notification).
func readFull(fd int, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := unix.Pread(fd, buf[n:], int64(n))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, err
		}
		if m == 0 {
			break
		}
		n += m
	}
	return n, nil
}

// writeAt writes data to file name of directory dirfd (named dir, for
// errors) in a single write, as the kernel takes a control file's value.
func writeAt(dirfd int, dir, name, data string) error {
	fd, err := openAt(dirfd, dir, name, unix.O_WRONLY)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	for {
		_, err = unix.Write(fd, []byte(data))
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return &fs.PathError{Op: "write", Path: dir + "/" + name, Err: err}
	}
	return nil
}

// openAt opens file name of directory dirfd, close-on-exec (a fork+exec
// elsewhere in the process must not inherit it).
func openAt(dirfd int, dir, name string, mode int) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, name, mode|unix.O_CLOEXEC, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return -1, &fs.PathError{Op: "open", Path: dir + "/" + name, Err: err}
		}
		return fd, nil
	}
}
