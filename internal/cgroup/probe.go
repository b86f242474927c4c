package cgroup

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
)

// MountinfoPath is the file Probe reads the mount table from. Tests may
// point it at a sample to simulate other systems; programs leave it alone.
var MountinfoPath = "/proc/self/mountinfo"

// procCgroupPath is the file Probe reads the calling process's cgroups from.
const procCgroupPath = "/proc/self/cgroup"

// probe finds the directory of the calling process's cgroup v2 from the
// contents of /proc/self/mountinfo and /proc/self/cgroup.
//
// /proc/self/cgroup names the cgroup by its path in the hierarchy (the line
// "0::/path"); a mount of cgroup2 shows the hierarchy from its root (field
// 4 of mountinfo: "/" normally, a subtree for a bind mount or a mount made
// outside our cgroup namespace) at its mount point (field 5). The process's
// directory is the mount point joined with the path below that root; a
// mount whose root does not contain the path cannot show it and is skipped.
//
// Of several usable mounts the first read-write one wins, else the first:
// mountinfo lists mounts in the order they were made, the system's own
// (made at boot) first, while later ones are bind mounts into containers'
// file trees or a test's, and a read-only one would only make NewGroup
// fail.
//
// No cgroup2 mount, no "0::" line (a system with cgroup v1 only) and no
// mount that shows the process's cgroup all wrap errors.ErrUnsupported: the
// caller falls back to process groups in each case.
func probe(mountinfo, procCgroup []byte) (string, error) {
	cg, ok := unifiedPath(procCgroup)
	if !ok {
		return "", fmt.Errorf("cgroup: no cgroup v2 entry (0::) in %s: %w", procCgroupPath, errors.ErrUnsupported)
	}
	found, dir, rw := false, "", false
	for line := range bytes.Lines(mountinfo) {
		m, ok := cgroup2Mount(line)
		if !ok {
			continue
		}
		found = true
		if rel, ok := below(cg, m.root); ok && (dir == "" || m.rw && !rw) {
			dir, rw = path.Join(m.point, rel), m.rw
		}
	}
	switch {
	case dir != "":
		return dir, nil
	case found:
		return "", fmt.Errorf("cgroup: no cgroup2 mount in %s shows this process's cgroup %s: %w", MountinfoPath, cg, errors.ErrUnsupported)
	default:
		return "", fmt.Errorf("cgroup: no cgroup2 mount in %s: %w", MountinfoPath, errors.ErrUnsupported)
	}
}

// unifiedPath is the path of the "0::/path" line of /proc/PID/cgroup: the
// process's cgroup in the v2 hierarchy. The kernel writes it unescaped; a
// cgroup removed while we are in it has " (deleted)" appended, which makes
// the directory found not exist: the caller's mkdir fails then.
func unifiedPath(procCgroup []byte) (string, bool) {
	for line := range bytes.Lines(procCgroup) {
		if p, ok := bytes.CutPrefix(line, []byte("0::")); ok {
			p = bytes.TrimSuffix(p, []byte("\n"))
			if len(p) == 0 || p[0] != '/' {
				return "", false
			}
			return string(p), true
		}
	}
	return "", false
}

// mount is what probe needs of a mountinfo line.
type mount struct {
	root  string // the directory of the hierarchy the mount shows
	point string // where it is mounted
	rw    bool   // mounted read-write
}

// cgroup2Mount parses one mountinfo line (proc(5)):
//
//	41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
//
// when its file system type (the first field after the " - " separator;
// optional fields come before it) is cgroup2. Paths are unescaped.
func cgroup2Mount(line []byte) (mount, bool) {
	fields := strings.Fields(string(line))
	sep := -1
	for i := 6; i < len(fields); i++ {
		if fields[i] == "-" {
			sep = i
			break
		}
	}
	if sep < 0 || sep+1 >= len(fields) || fields[sep+1] != "cgroup2" {
		return mount{}, false
	}
	rw := slices.Contains(strings.Split(fields[5], ","), "rw")
	return mount{root: unescape(fields[3]), point: unescape(fields[4]), rw: rw}, true
}

// unescape undoes the octal escapes (\040 for a space, \011 tab, \012
// newline, \134 backslash) with which the kernel writes paths into
// mountinfo.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && '0' <= s[i+1] && s[i+1] <= '3' && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return '0' <= c && c <= '7' }

// below returns p relative to root ("" for root itself) when p is root or
// lies under it.
func below(p, root string) (string, bool) {
	if root == "/" {
		return p, true
	}
	rest, ok := strings.CutPrefix(p, root)
	if !ok || (rest != "" && rest[0] != '/') {
		return "", false
	}
	return rest, true
}
