//go:build linux

package main

import (
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/examples/internal/extest"
)

// scan returns the zombie children of parent and the pids of all processes
// whose process group is in groups.
func scan(parent int, groups map[int]bool) (zombies, inGroups map[int]bool) {
	zombies, inGroups = map[int]bool{}, map[int]bool{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		state, ppid, pgrp, ok := procStat(e.Name())
		if !ok {
			continue
		}
		if state == 'Z' && ppid == parent {
			zombies[pid] = true
		}
		if groups[pgrp] {
			inGroups[pid] = true
		}
	}
	return zombies, inGroups
}

var (
	startRe   = regexp.MustCompile(`^t=(\d+)us (cmd\d) started pid (\d+) \(restarts (\d+)\)$`)
	restartRe = regexp.MustCompile(`^t=\d+us (cmd\d) restart in (\S+)$`)
)

func TestSupervise(t *testing.T) {
	bin := extest.Build(t)
	p := extest.Start(t, bin,
		// -stable is generous so that cmd1's immediate failure cannot look
		// stable on a loaded machine (that would reset its backoff).
		"-cmd", "(sleep 0.3 &) ; exit 1", // fails at once, leaves an orphan
		"-cmd", "sleep 1.2; exit 2", // fails, but after a stable run
		"-initial", "100ms", "-max", "400ms", "-stable", "1s")
	sup := p.Cmd.Process.Pid
	// Stop it cleanly if the test fails half-way: its children live in
	// their own process groups, beyond extest's group kill.
	t.Cleanup(func() { _ = p.Cmd.Process.Signal(syscall.SIGTERM); _ = p.Wait(t) })

	m, _ := p.WaitLine(t, 0, regexp.MustCompile(`^t=\d+us status socket (\S+)$`))
	sock := m[1]

	// Five starts of cmd1: the delays chosen must double up to -max, and
	// the starts must be at least that far apart (a lower bound only).
	var starts []time.Duration
	var delays []string
	groups := map[int]bool{}
	for i := 0; len(starts) < 5; {
		_, i = p.WaitLine(t, i, regexp.MustCompile(`^t=\d+us cmd1 (started|restart in)`))
		line := p.Lines()[i-1]
		if sm := startRe.FindStringSubmatch(line); sm != nil {
			us, _ := strconv.Atoi(sm[1])
			starts = append(starts, time.Duration(us)*time.Microsecond)
			pid, _ := strconv.Atoi(sm[3])
			groups[pid] = true
		} else if rm := restartRe.FindStringSubmatch(line); rm != nil {
			delays = append(delays, rm[2])
		}
	}
	if want := []string{"100ms", "200ms", "400ms", "400ms"}; strings.Join(delays, " ") != strings.Join(want, " ") {
		t.Errorf("cmd1 restart delays %v, want %v", delays, want)
	}
	for k, d := range []time.Duration{100, 200, 400, 400} {
		if gap := starts[k+1] - starts[k]; gap < d*time.Millisecond {
			t.Errorf("cmd1 start %d came %v after start %d, before its %vms backoff", k+1, gap, k, d)
		}
	}
	// cmd2 runs longer than -stable each time: its delay stays at -initial.
	for i, n := 0, 0; n < 2; n++ {
		var m []string
		m, i = p.WaitLine(t, i, restartRe)
		for m[1] != "cmd2" {
			m, i = p.WaitLine(t, i, restartRe)
		}
		if m[2] != "100ms" {
			t.Errorf("cmd2 restart delay %s after a stable run, want 100ms", m[2])
		}
	}

	// Orphans are reaped by the supervisor (it is their subreaper) ...
	p.WaitLine(t, 0, regexp.MustCompile(`^t=\d+us reaped orphan pid \d+: exit 0$`))
	// ... and no zombie child stays: every zombie seen is reaped later.
	seen, _ := scan(sup, nil)
	for deadline := time.Now().Add(extest.HangGuard); len(seen) > 0; {
		now, _ := scan(sup, nil)
		for pid := range seen {
			if !now[pid] {
				delete(seen, pid)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("zombie children of the supervisor not reaped: %v", seen)
		}
		time.Sleep(10 * time.Millisecond) // polling /proc, not synchronisation
	}

	// The status socket: 0600, in a 0700 directory, one line per command.
	for path, want := range map[string]os.FileMode{sock: 0o600, sock[:strings.LastIndexByte(sock, '/')]: 0o700} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v (%v), want mode %v", path, fi.Mode(), err, want)
		}
	}
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(extest.HangGuard))
	status, err := io.ReadAll(c)
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(status)), "\n")
	statusRe := regexp.MustCompile(`^(cmd\d) pid=(-|\d+) restarts=(\d+) last="(exit \d|-)" cmd=".+"$`)
	if len(lines) != 2 {
		t.Errorf("status: %q, want two lines", status)
	}
	for i, l := range lines {
		if m := statusRe.FindStringSubmatch(l); m == nil || m[1] != "cmd"+strconv.Itoa(i+1) {
			t.Errorf("status line %q", l)
		} else if n, _ := strconv.Atoi(m[3]); i == 0 && n < 4 {
			t.Errorf("status line %q: cmd1 has been restarted at least 4 times", l)
		}
	}

	// SIGTERM: forwarded, no more restarts, exit 0 once the children are gone.
	p.Signal(t, syscall.SIGTERM)
	if err := p.Wait(t); err != nil {
		t.Fatalf("supervise after SIGTERM: %v", err)
	}
	_, after := p.WaitLine(t, 0, regexp.MustCompile(`^t=\d+us got terminated: stopping$`))
	p.WaitLine(t, after, regexp.MustCompile(`^t=\d+us all children gone; exiting$`))
	for _, l := range p.Lines()[after:] {
		if strings.Contains(l, "started") || strings.Contains(l, "restart in") {
			t.Errorf("restart after SIGTERM: %q", l)
		}
	}
	for _, l := range p.Lines() {
		if sm := startRe.FindStringSubmatch(l); sm != nil {
			pid, _ := strconv.Atoi(sm[3])
			groups[pid] = true
		}
	}
	// Nothing is left of any command, orphans included: every process
	// group the supervisor created is empty.
	if _, left := scan(-1, groups); len(left) > 0 {
		t.Errorf("processes left in the commands' process groups: %v", left)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("status socket still there after exit: %v", err)
	}
}
