package testutil

import (
	"errors"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"syscall"
)

func openFDs() ([]int, error) { return listFDs("/proc/self/fd", true) }

// FDTargets maps each open descriptor of process pid to what it refers to
// (readlink of /proc/PID/fd/N: a path, "pipe:[inode]", "anon_inode:[pidfd]",
// ...). For this process (pid os.Getpid()) the descriptor the listing is
// read through is left out, as in OpenFDs. Reading another user's process
// needs privileges.
func FDTargets(pid int) (map[int]string, error) {
	dir, self := "/proc/"+strconv.Itoa(pid)+"/fd", pid == os.Getpid()
	if self {
		dir = "/proc/self/fd"
	}
	fds, err := listFDs(dir, self)
	if err != nil {
		return nil, err
	}
	m := make(map[int]string, len(fds))
	for _, fd := range fds {
		target, err := os.Readlink(dir + "/" + strconv.Itoa(fd))
		if errors.Is(err, fs.ErrNotExist) {
			continue // closed since the listing
		}
		if err != nil {
			return nil, err
		}
		m[fd] = target
	}
	return m, nil
}

// describeFD is fd with what it refers to, for messages.
func describeFD(fd int) string {
	s := strconv.Itoa(fd)
	if target, err := os.Readlink("/proc/self/fd/" + s); err == nil {
		s += " (" + target + ")"
	}
	return s
}

// listFDs lists the numeric entries of a /proc fd directory, in order,
// leaving out the descriptor it reads dir through if own.
func listFDs(dir string, own bool) ([]int, error) {
	var fds []int
	d, err := readDir(dir, func(name string) {
		if fd, err := strconv.Atoi(name); err == nil {
			fds = append(fds, fd)
		}
	})
	if err != nil {
		return nil, err
	}
	if own {
		fds = slices.DeleteFunc(fds, func(fd int) bool { return fd == d })
	}
	slices.Sort(fds)
	return fds, nil
}

// readDirNames lists dir's entries.
func readDirNames(dir string) ([]string, error) {
	var names []string
	_, err := readDir(dir, func(name string) { names = append(names, name) })
	return names, err
}

// readDir calls f with each entry of dir, read with system calls only
// (nothing in the runtime's poller), and returns the number of the
// descriptor it used (closed by then).
func readDir(dir string, f func(name string)) (fd int, err error) {
	d, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return -1, &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	defer syscall.Close(d)
	buf := make([]byte, 8192)
	for {
		n, err := syscall.ReadDirent(d, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return d, &fs.PathError{Op: "getdents", Path: dir, Err: err}
		}
		if n == 0 {
			return d, nil
		}
		var names []string
		_, _, names = syscall.ParseDirent(buf[:n], -1, names)
		for _, name := range names {
			f(name)
		}
	}
}
