package runnercmp

import (
	"bytes"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// runner is one way of running jobs N at a time.
type runner struct {
	name    string
	skipped string // why it cannot run here; "" when it can
	ref     bool   // the row the others are compared with
	// shortJobs is how many jobs a section (a) run has: Options.Jobs,
	// unless it says otherwise.
	shortJobs func(o Options) int
	// short and tree give the argv and stdin of a section (a) run of n
	// jobs of the program c and of a section (b) run of n jobs that each
	// start `sh -c script` under a timeout; tree is nil for a runner that
	// only takes part in section (a).
	short func(o Options, n int, c Child) job
	tree  func(o Options, n int, script string) job
	// check reads a finished run: nil when it did what was asked.
	check func(section string, n int, exit int, stderr []byte) error
}

// job is one run's command.
type job struct {
	argv  []string
	input []byte
	name  string // argv[0] as the table shows it; "" for argv[0] itself
	desc  string // what input holds, for the table
	child Child  // section (a)'s program: an argument equal to its Path is shown as its Shown
}

// command is how the table shows j's argv, shell-quoted.
func (j job) command() string {
	s := []string{j.name}
	if j.name == "" {
		s[0] = shellQuote(j.argv[0])
	}
	for _, a := range j.argv[1:] {
		if j.child.Path != "" && a == j.child.Path {
			s = append(s, j.child.Shown)
			continue
		}
		s = append(s, shellQuote(a))
	}
	return strings.Join(s, " ")
}

// numbers is "1\n2\n...n\n": xargs and GNU parallel append one to the
// command as its last argument (or, with -N0, to nothing).
func numbers(n int) []byte {
	var b bytes.Buffer
	for i := 1; i <= n; i++ {
		b.WriteString(strconv.Itoa(i))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// seconds for coreutils timeout and GNU parallel: 0.3.
func secs(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

// treeScript is a section (b) job: a grandchild that stays in the job's
// process group, and one that leaves it (setsid), both told apart by their
// markers; the sh waits for them.
func treeScript(plain, setsid string) string {
	return "sleep " + plain + " & setsid sleep " + setsid + " & wait"
}

// xargsRunner is GNU findutils' xargs; coreutils timeout bounds each job
// in section (b), since xargs has no timeout of its own.
func xargsRunner() runner {
	r := runner{name: "xargs", ref: true}
	if _, err := exec.LookPath("xargs"); err != nil {
		r.skipped = "not installed (apt-get install findutils)"
	} else if _, err := exec.LookPath("timeout"); err != nil {
		r.skipped = "timeout not installed (apt-get install coreutils)"
	}
	r.short = func(o Options, n int, c Child) job {
		return job{argv: []string{"xargs", "-P", strconv.Itoa(o.P), "-n", "1", c.Path}, input: numbers(n), desc: fmt.Sprintf("lines 1…%d", n), child: c}
	}
	r.tree = func(o Options, n int, script string) job {
		return job{argv: []string{"xargs", "-P", strconv.Itoa(o.P), "-n", "1", "timeout", secs(o.Timeout), "sh", "-c", script},
			input: numbers(n), desc: fmt.Sprintf("lines 1…%d", n)}
	}
	r.check = func(section string, n, exit int, stderr []byte) error {
		// 123: some job exited 1–125 (timeout's 124), as every one must
		// in section (b).
		if want := map[string]int{"a": 0, "b": 123}[section]; exit != want {
			return fmt.Errorf("exit %d, want %d: %s", exit, want, tail(stderr))
		}
		return nil
	}
	return r
}

// gnuParallel is GNU parallel; moreutils' parallel, another program of the
// same name, is refused.
func gnuParallel() runner {
	r := runner{name: "GNU parallel", shortJobs: func(o Options) int { return o.GNUJobs }}
	if _, err := exec.LookPath("parallel"); err != nil {
		r.skipped = "not installed (apt-get install parallel)"
	} else if !strings.Contains(version("parallel"), "GNU parallel") {
		r.skipped = "parallel is not GNU parallel (moreutils'?): apt-get install parallel"
	}
	r.short = func(o Options, n int, c Child) job {
		return job{argv: []string{"parallel", "--will-cite", "-j", strconv.Itoa(o.P), c.Path}, input: numbers(n), desc: fmt.Sprintf("lines 1…%d", n), child: c}
	}
	r.tree = func(o Options, n int, script string) job {
		return job{argv: []string{"parallel", "--will-cite", "-j", strconv.Itoa(o.P), "-N0", "--timeout", secs(o.Timeout), script},
			input: numbers(n), desc: fmt.Sprintf("lines 1…%d", n)}
	}
	r.check = func(section string, n, exit int, stderr []byte) error {
		// The exit status is the number of failed jobs, 101 for more
		// than 100.
		if want := map[string]int{"a": 0, "b": min(n, 101)}[section]; exit != want {
			return fmt.Errorf("exit %d, want %d: %s", exit, want, tail(stderr))
		}
		return nil
	}
	return r
}

// ours is examples/parallel at bin, with extra flags: -sh runs every line
// through sh, as GNU parallel does (section (a) only: section (b)'s script
// needs sh anyway); -tree group forgoes the cgroup.
func ours(bin string, extra ...string) runner {
	r := runner{name: "childloop parallel"}
	sh := slices.Contains(extra, "-sh")
	if len(extra) > 0 {
		r.name += " " + strings.Join(extra, " ")
	}
	lines := func(n int, line string) []byte {
		var b bytes.Buffer
		for i := 1; i <= n; i++ {
			b.WriteString(strings.ReplaceAll(line, "{}", strconv.Itoa(i)))
			b.WriteByte('\n')
		}
		return b.Bytes()
	}
	r.short = func(o Options, n int, c Child) job {
		return job{argv: append([]string{bin, "-j", strconv.Itoa(o.P)}, extra...), name: "examples/parallel",
			input: lines(n, c.Path+" {}"), desc: fmt.Sprintf("lines `%s 1`…`%s %d`", c.Shown, c.Shown, n)}
	}
	if !sh {
		r.tree = func(o Options, n int, script string) job {
			return job{argv: append([]string{bin, "-j", strconv.Itoa(o.P), "-timeout", o.Timeout.String(), "-grace", o.Grace.String()}, extra...),
				name: "examples/parallel", input: lines(n, script), desc: fmt.Sprintf("%d lines, each the script", n)}
		}
	}
	r.check = func(section string, n, exit int, stderr []byte) error {
		want, summary := 0, fmt.Sprintf("parallel: %d jobs, all succeeded\n", n)
		if section == "b" {
			want, summary = 1, fmt.Sprintf("parallel: %d jobs, %d failed:\n", n, n)
		}
		if exit != want || !bytes.HasPrefix(stderr, []byte(summary)) {
			return fmt.Errorf("exit %d, want %d and a summary %q: %s", exit, want, summary, tail(stderr))
		}
		return nil
	}
	return r
}

// version is the first line of `name --version`, or "not installed".
func version(name string) string {
	path, err := exec.LookPath(name)
	if err != nil {
		return "not installed"
	}
	out, err := exec.Command(path, "--version").Output()
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	first, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(first)
}

// tail is the end of a runner's stderr, for error messages.
func tail(b []byte) string {
	const max = 400
	s := strings.TrimSpace(string(b))
	if len(s) > max {
		s = "…" + s[len(s)-max:]
	}
	return s
}
