//go:build linux

package orphanbench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/childloop/childloop/bench/internal/child"
	"github.com/childloop/childloop/internal/spawn"
	"golang.org/x/sys/unix"
)

// Options is the command line.
type Options struct {
	M      int
	Ns     []int
	Rounds int
	Quick  bool
}

// ParseOptions parses args; flag.ErrHelp for -h.
func ParseOptions(args []string, errOut io.Writer) (Options, error) {
	fs := flag.NewFlagSet("orphans", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = func() {
		fmt.Fprintf(errOut, "usage: go run ./bench/cmd/orphans [flags]\n\n"+
			"Measures reaping orphans in a child subreaper beside N live os/exec children:\n"+
			"childloop's ModeOrphans, ModeReapAll, and a go-reap-style loop. See bench/README.md.\n\nflags:\n")
		fs.PrintDefaults()
	}
	var o Options
	var ns string
	fs.IntVar(&o.M, "m", 2000, "orphans released at once per point")
	fs.StringVar(&ns, "n", "0,100,1000", "comma-separated numbers of os/exec children alive beside them")
	fs.IntVar(&o.Rounds, "rounds", 3, "rounds per point, in rotated method order (median shown)")
	fs.BoolVar(&o.Quick, "quick", false, "smoke test: -m 100 -n 0,10 -rounds 1 (its numbers mean nothing)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.Quick {
		o.M, ns, o.Rounds = 100, "0,10", 1
	}
	for _, f := range strings.Split(ns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			return o, fmt.Errorf("-n: %q is not a number ≥ 0", f)
		}
		o.Ns = append(o.Ns, n)
	}
	if o.M < 1 || o.Rounds < 1 {
		return o, errors.New("-m and -rounds must be positive")
	}
	return o, nil
}

// Main runs the command and returns its exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if code, ok := Helper(); ok {
		return code
	}
	o, err := ParseOptions(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "orphans:", err)
		return 2
	}
	_ = spawn.NofileToHard()
	dir, err := os.MkdirTemp("", "orphans-")
	if err != nil {
		fmt.Fprintln(stderr, "orphans:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	path, desc, err := child.WriteBlocker(dir)
	if err != nil {
		fmt.Fprintln(stderr, "orphans:", err)
		return 1
	}
	start := time.Now()
	results := map[string][]Point{} // by method and N
	failed := false
	for _, n := range o.Ns {
		for r := range o.Rounds {
			for i := range Methods {
				m := Methods[(i+r)%len(Methods)]
				fmt.Fprintf(stderr, "orphans: %s, N=%d, round %d/%d\n", m, n, r+1, o.Rounds)
				p, err := runPoint(m, n, o.M, path)
				if err != nil {
					fmt.Fprintf(stderr, "orphans: %s, N=%d: %v\n", m, n, err)
					failed = true
					continue
				}
				key := m + "/" + strconv.Itoa(n)
				results[key] = append(results[key], p)
			}
		}
	}
	if o.Quick {
		fmt.Fprintln(stdout, "SMOKE TEST (-quick): tiny sizes, one round; the numbers below mean nothing.")
	}
	fmt.Fprintf(stdout, "Orphans: %d children (%s) forked by a process that then exits, so they are reparented to a child subreaper, released at once; beside them N os/exec children (the same program) alive, released afterwards; median of %d rounds, each method and N in a helper process of its own. %s, %s.\n\n",
		o.M, desc, o.Rounds, time.Now().UTC().Format("2006-01-02"), machineLine())
	fmt.Fprintln(stdout, "| method | N os/exec alive | orphans/s | CPU µs per orphan | vs ModeReapAll's CPU | orphans reaped | os/exec statuses lost |")
	fmt.Fprintln(stdout, "|---|--:|--:|--:|--:|--:|--:|")
	for _, n := range o.Ns {
		ref := median(results[MethodReapAll+"/"+strconv.Itoa(n)])
		for _, m := range Methods {
			ps := results[m+"/"+strconv.Itoa(n)]
			if len(ps) == 0 {
				fmt.Fprintf(stdout, "| %s | %d | failed | | | | |\n", m, n)
				continue
			}
			p := median(ps)
			vs := "—"
			if ref.CPUNS > 0 && ref.M > 0 {
				vs = fmt.Sprintf("%.2f×", float64(p.CPUNS)/float64(ref.CPUNS))
			}
			lost := 0
			for _, q := range ps {
				lost = max(lost, q.ExecLost)
			}
			fmt.Fprintf(stdout, "| %s | %d | %.0f | %.1f | %s | %d of %d | %d of %d |\n", m, n,
				float64(p.Reaped)/(float64(p.NS)/1e9), float64(p.CPUNS)/float64(max(p.Reaped, 1))/1e3, vs,
				p.Reaped, p.M, lost, n)
		}
	}
	fmt.Fprintf(stdout, "\nCPU: the helper process's user + system time from the release to the last orphan reported. \"os/exec statuses lost\": the most Waits, over the rounds, that failed because the reaper took the child's status.\nwall time %.1fs\n", time.Since(start).Seconds())
	if o.Quick {
		fmt.Fprintln(stdout, "SMOKE TEST (-quick): tiny sizes, one round; the numbers above mean nothing.")
	}
	if failed {
		return 1
	}
	return 0
}

// median is the point with the median CPU per orphan.
func median(ps []Point) Point {
	if len(ps) == 0 {
		return Point{}
	}
	s := slices.Clone(ps)
	slices.SortFunc(s, func(a, b Point) int {
		return int(a.CPUNS/int64(max(a.Reaped, 1)) - b.CPUNS/int64(max(b.Reaped, 1)))
	})
	return s[len(s)/2]
}

// runPoint runs one helper process.
func runPoint(method string, n, m int, path string) (Point, error) {
	self, err := os.Executable()
	if err != nil {
		return Point{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), envMethod+"="+method, envN+"="+strconv.Itoa(n), envM+"="+strconv.Itoa(m), envChild+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return Point{}, err
	}
	var p Point
	if err := json.Unmarshal(out, &p); err != nil {
		return Point{}, fmt.Errorf("helper said %q: %w", out, err)
	}
	if p.Reaped != p.M {
		return p, fmt.Errorf("%d of %d orphans reaped", p.Reaped, p.M)
	}
	return p, nil
}

// machineLine names the kernel and the CPUs.
func machineLine() string {
	var u unix.Utsname
	_ = unix.Uname(&u)
	return fmt.Sprintf("Linux %s, %d CPUs", unix.ByteSliceToString(u.Release[:]), runtime.NumCPU())
}
