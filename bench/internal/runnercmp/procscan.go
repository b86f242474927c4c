package runnercmp

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// A section (b) job's grandchildren are `sleep 30.<digits>`, the digits
// unique to one runner's run: that argument, the marker, finds them in
// /proc whoever their parent is now (they are orphans once the job's sh is
// gone).

// proc is a process whose command line carries a marker.
type proc struct {
	pid    int
	marker string
	// dying: a zombie, or SIGKILL pending (sent, not yet acted on): it is
	// on its way out and is not counted as left behind.
	dying bool
}

// scan lists the processes under procDir (a /proc, or a test's imitation:
// numbered directories with cmdline and status files) whose command line
// has one of markers as a whole argument.
func scan(procDir string, markers []string) ([]proc, error) {
	ents, err := os.ReadDir(procDir)
	if err != nil {
		return nil, err
	}
	var out []proc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 {
			continue
		}
		dir := filepath.Join(procDir, e.Name())
		cmdline, err := os.ReadFile(filepath.Join(dir, "cmdline"))
		if err != nil {
			continue // gone meanwhile
		}
		m := markerIn(cmdline, markers)
		if m == "" {
			continue
		}
		status, err := os.ReadFile(filepath.Join(dir, "status"))
		if err != nil {
			continue
		}
		out = append(out, proc{pid: pid, marker: m, dying: dying(status)})
	}
	return out, nil
}

// markerIn returns the marker that is one of cmdline's NUL-separated
// arguments, or "".
func markerIn(cmdline []byte, markers []string) string {
	for arg := range bytes.SplitSeq(bytes.TrimRight(cmdline, "\x00"), []byte{0}) {
		for _, m := range markers {
			if string(arg) == m {
				return m
			}
		}
	}
	return ""
}

// sigkillBit is SIGKILL (9) in the pending-signal masks of
// /proc/PID/status.
const sigkillBit = 1 << (9 - 1)

// dying reads a /proc/PID/status: a zombie (State: Z) or dead task, or
// SIGKILL pending for the thread (SigPnd) or the process (ShdPnd).
func dying(status []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "State":
			if strings.HasPrefix(v, "Z") || strings.HasPrefix(v, "X") {
				return true
			}
		case "SigPnd", "ShdPnd":
			if mask, err := strconv.ParseUint(v, 16, 64); err == nil && mask&sigkillBit != 0 {
				return true
			}
		}
	}
	return false
}

// leftBehind counts, per marker, the processes that are alive and not
// being killed.
func leftBehind(ps []proc) map[string]int {
	n := map[string]int{}
	for _, p := range ps {
		if !p.dying {
			n[p.marker]++
		}
	}
	return n
}
