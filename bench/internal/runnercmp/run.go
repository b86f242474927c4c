package runnercmp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/childloop/childloop/internal/spawn"
)

// runTimeout bounds one run of one runner: a hung run becomes an error,
// not a hung benchmark.
const runTimeout = 10 * time.Minute

// Main runs the command with args (without the program name), printing the
// tables to stdout and progress to stderr, and returns the exit code: 0,
// 1 when a runner failed or the JSON could not be written, 2 for bad
// flags.
func Main(args []string, stdout, stderr io.Writer) int {
	o, err := ParseOptions(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "runnercmp:", err)
		return 2
	}
	// Every runner inherits this process's RLIMIT_NOFILE. Where the Go
	// runtime raised the soft limit to hard−1 at start-up, set it to the
	// hard limit ourselves: examples/parallel then starts with its soft
	// limit at the hard one and keeps childloop's fast spawn path (see
	// internal/spawn), as it would on a machine whose limits are equal.
	if err := spawn.NofileToHard(); err != nil {
		fmt.Fprintln(stderr, "runnercmp: setrlimit(RLIMIT_NOFILE):", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := Run(ctx, o, stderr)
	if res != nil {
		PrintMarkdown(stdout, res)
	}
	code := 0
	if res != nil && o.JSON {
		if path, err := writeJSON(o.OutDir, res); err != nil {
			fmt.Fprintln(stderr, "runnercmp: writing JSON:", err)
			code = 1
		} else {
			fmt.Fprintln(stderr, "runnercmp: wrote", path)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "runnercmp:", err)
		return 1
	}
	return code
}

// Run measures both sections for every runner. The error reports the
// first runner that failed (its row says so too); the result holds what
// was measured.
func Run(ctx context.Context, o Options, progress io.Writer) (*Result, error) {
	start := time.Now()
	res := &Result{Options: o, Env: gatherEnv()}
	dir, err := os.MkdirTemp("", "runnercmp-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if res.Child, err = prepareChild(o.Child, dir); err != nil {
		return nil, err
	}
	bin := o.Runner
	if bin == "" {
		fmt.Fprintln(progress, "runnercmp: building examples/parallel")
		if bin, err = buildRunner(ctx, dir); err != nil {
			return nil, fmt.Errorf("building examples/parallel: %w", err)
		}
	}
	res.Env.Tree, err = treeOf(ctx, bin)
	if err != nil {
		return nil, err
	}
	runners := []runner{xargsRunner(), gnuParallel(), ours(bin), ours(bin, "-tree", "group"), ours(bin, "-sh")}
	for _, r := range runners[:2] {
		res.Env.Versions[r.name] = version(strings.Fields(r.name)[len(strings.Fields(r.name))-1])
	}
	res.Env.Versions["timeout"] = version("timeout")

	var firstErr error
	fail := func(row *Row, err error) {
		row.Error = err.Error()
		if firstErr == nil {
			firstErr = fmt.Errorf("%s: %w", row.Runner, err)
		}
	}
	shortJobs := func(r runner) int {
		if r.shortJobs != nil {
			return r.shortJobs(o)
		}
		return o.Jobs
	}
	res.Short = rows(runners, shortJobs, func(r runner, n int) job { return r.short(o, n, res.Child) })
	var treeRunners []runner
	for _, r := range runners {
		if r.tree != nil {
			treeRunners = append(treeRunners, r)
		}
	}
	res.Tree = rows(treeRunners, func(runner) int { return o.TreeJobs }, func(r runner, n int) job {
		return r.tree(o, n, treeScript("30.PLAIN", "30.SETSID"))
	})
	// (a): many jobs of res.Child, runners in rotated order each run.
	for run := range o.Runs {
		for k := range runners {
			i := (k + run) % len(runners)
			r, row := runners[i], &res.Short[i]
			if r.skipped != "" || row.Error != "" {
				continue
			}
			fmt.Fprintf(progress, "runnercmp: (a) run %d/%d: %s, %d jobs ... ", run+1, o.Runs, r.name, row.Jobs)
			m, stderr, err := runOnce(ctx, dir, r.short(o, row.Jobs, res.Child))
			if err == nil {
				err = r.check("a", row.Jobs, m.Exit, stderr)
			}
			if err != nil {
				fmt.Fprintln(progress, "failed")
				fail(row, err)
				continue
			}
			fmt.Fprintf(progress, "%.2fs\n", time.Duration(m.WallNS).Seconds())
			row.Runs = append(row.Runs, m)
		}
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
	}
	// (b): jobs that time out with two grandchildren each.
	for run := range o.TreeRuns {
		for k := range treeRunners {
			i := (k + run) % len(treeRunners)
			r, row := treeRunners[i], &res.Tree[i]
			if r.skipped != "" || row.Error != "" {
				continue
			}
			fmt.Fprintf(progress, "runnercmp: (b) run %d/%d: %s, %d jobs ... ", run+1, o.TreeRuns, r.name, o.TreeJobs)
			plain, setsid := markers(run, i)
			m, stderr, err := runOnce(ctx, dir, r.tree(o, o.TreeJobs, treeScript(plain, setsid)))
			left, serr := sweep("/proc", plain, setsid)
			if err == nil {
				err = r.check("b", o.TreeJobs, m.Exit, stderr)
			}
			if err == nil {
				err = serr
			}
			if err != nil {
				fmt.Fprintln(progress, "failed")
				fail(row, err)
				continue
			}
			m.LeftPlain, m.LeftSetsid = left[plain], left[setsid]
			fmt.Fprintf(progress, "%.2fs, left %d + %d\n", time.Duration(m.WallNS).Seconds(), m.LeftPlain, m.LeftSetsid)
			row.Runs = append(row.Runs, m)
		}
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
	}
	res.WallNS = int64(time.Since(start))
	return res, firstErr
}

// rows makes a section's rows: jobs per run, and the command shown.
func rows(runners []runner, jobs func(runner) int, cmd func(runner, int) job) []Row {
	out := make([]Row, len(runners))
	for i, r := range runners {
		n := jobs(r)
		j := cmd(r, n)
		out[i] = Row{Runner: r.name, Command: j.command(), Input: j.desc, Jobs: n, Skipped: r.skipped, Ref: r.ref}
	}
	return out
}

// markers are a section (b) run's two sleep arguments: 30.<pid><run><runner>1
// for the plain grandchildren, ...2 for the setsid'd ones, unique to this
// process, the run and the runner.
func markers(run, runner int) (plain, setsid string) {
	base := fmt.Sprintf("30.%d%03d%d", os.Getpid(), run, runner)
	return base + "1", base + "2"
}

// sweep counts the marked processes left behind, kills all of them (by
// pid, each one carrying a marker of this run), and waits until they are
// gone.
func sweep(procDir string, markers ...string) (map[string]int, error) {
	ps, err := scan(procDir, markers)
	if err != nil {
		return nil, err
	}
	left := leftBehind(ps)
	for deadline := time.Now().Add(10 * time.Second); len(ps) > 0; {
		for _, p := range ps {
			_ = syscall.Kill(p.pid, syscall.SIGKILL)
		}
		if time.Now().After(deadline) {
			return left, fmt.Errorf("%d marked processes still there 10s after SIGKILL", len(ps))
		}
		time.Sleep(20 * time.Millisecond)
		if ps, err = scan(procDir, markers); err != nil {
			return left, err
		}
		ps = alive(ps)
	}
	return left, nil
}

// alive drops the zombies: their parent (init, by now) reaps them.
func alive(ps []proc) []proc {
	var out []proc
	for _, p := range ps {
		if !p.dying {
			out = append(out, p)
		}
	}
	return out
}

// runOnce runs j with its stdin from a file, its stdout to /dev/null and
// its stderr to a file, in a process group of its own (killed whole if the run is cancelled or
// overruns runTimeout), and returns its wall time, CPU time and exit
// status, and its stderr.
func runOnce(ctx context.Context, dir string, j job) (Trial, []byte, error) {
	in := filepath.Join(dir, "input")
	if err := os.WriteFile(in, j.input, 0o600); err != nil {
		return Trial{}, nil, err
	}
	f, err := os.Open(in)
	if err != nil {
		return Trial{}, nil, err
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()
	// stderr is a file, not a pipe: grandchildren left behind inherit
	// it, and Wait would wait for them to close a pipe.
	errFile, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		return Trial{}, nil, err
	}
	defer errFile.Close()
	cmd := exec.CommandContext(ctx, j.argv[0], j.argv[1:]...)
	cmd.Stdin, cmd.Stderr = f, errFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return Trial{}, nil, err
	}
	err = cmd.Wait()
	wall := time.Since(t0)
	stderr, rerr := os.ReadFile(errFile.Name())
	if rerr != nil {
		return Trial{}, nil, rerr
	}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return Trial{}, stderr, fmt.Errorf("%w after %v: %s", ctx.Err(), wall.Round(time.Millisecond), tail(stderr))
	case err != nil && !errors.As(err, &ee):
		return Trial{}, stderr, err
	}
	st := cmd.ProcessState
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return Trial{}, stderr, fmt.Errorf("killed by %v: %s", ws.Signal(), tail(stderr))
	}
	m := Trial{WallNS: int64(wall), CPUNS: int64(st.UserTime() + st.SystemTime()), Exit: st.ExitCode()}
	return m, stderr, nil
}

// buildRunner builds examples/parallel into dir: the examples module is
// beside bench in the library's tree (the module that bench's go.mod
// replaces with ../).
func buildRunner(ctx context.Context, dir string) (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	out, err := exec.CommandContext(ctx, goTool, "list", "-m", "-f", "{{.Dir}}", "github.com/childloop/childloop").Output()
	if err != nil {
		return "", fmt.Errorf("go list -m github.com/childloop/childloop: %w", err)
	}
	src := filepath.Join(strings.TrimSpace(string(out)), "examples")
	bin := filepath.Join(dir, "parallel")
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", bin, "./parallel")
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build in %s: %w\n%s", src, err, out)
	}
	return bin, nil
}

var treeRe = regexp.MustCompile(`(?m)^parallel: running .*\(tree (\w+)`)

// treeOf asks examples/parallel (-v, no input) which tree -tree auto is.
func treeOf(ctx context.Context, bin string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, "-v")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s -v: %w: %s", bin, err, tail(stderr.Bytes()))
	}
	m := treeRe.FindSubmatch(stderr.Bytes())
	if m == nil {
		return "", fmt.Errorf("%s -v printed no tree: %s", bin, tail(stderr.Bytes()))
	}
	return string(m[1]), nil
}

// writeJSON writes res to dir/runnercmp.json.
func writeJSON(dir string, res *Result) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "runnercmp.json")
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}
