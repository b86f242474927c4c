package runnercmp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeProc writes a /proc imitation: pid → (cmdline arguments, status).
func fakeProc(t *testing.T, procs map[string][2]string) string {
	t.Helper()
	dir := t.TempDir()
	for pid, p := range procs {
		d := filepath.Join(dir, pid)
		require.NoError(t, os.Mkdir(d, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(d, "cmdline"), []byte(p[0]), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(d, "status"), []byte(p[1]), 0o644))
	}
	// Not processes: ignored.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "loadavg"), []byte("1 2 3"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "self"), 0o755))
	return dir
}

func status(state, sigpnd, shdpnd string) string {
	return "Name:\tsleep\nState:\t" + state + "\nSigQ:\t0/7823\nSigPnd:\t" + sigpnd + "\nShdPnd:\t" + shdpnd + "\nSigBlk:\t0000000000000000\n"
}

func TestScanCountsTheLiving(t *testing.T) {
	const none = "0000000000000000"
	dir := fakeProc(t, map[string][2]string{
		"10": {"sleep\x0030.51\x00", status("S (sleeping)", none, none)},
		"11": {"sleep\x0030.52\x00", status("S (sleeping)", none, none)},
		"12": {"sleep\x0030.52\x00", status("R (running)", none, none)},
		"13": {"sleep\x0030.52\x00", status("S (sleeping)", none, "0000000000000100")}, // SIGKILL pending
		"14": {"sleep\x0030.52\x00", status("S (sleeping)", "0000000000000100", none)},
		"15": {"", status("Z (zombie)", none, none)},
		"16": {"sleep\x0030.521\x00", status("S (sleeping)", none, none)},                // another marker
		"17": {"sh\x00-c\x00sleep 30.51 & wait\x00", status("S (sleeping)", none, none)}, // not a whole argument
		"18": {"sleep\x0030.51\x00", status("S (sleeping)", none, "0000000000004000")},   // SIGTERM pending only
		"19": {"timeout\x000.3\x00sleep\x0030.52", status("S (sleeping)", none, none)},   // no trailing NUL
	})
	ps, err := scan(dir, []string{"30.51", "30.52"})
	require.NoError(t, err)
	pids := map[int]bool{}
	for _, p := range ps {
		pids[p.pid] = p.dying
	}
	assert.Equal(t, map[int]bool{10: false, 11: false, 12: false, 13: true, 14: true, 18: false, 19: false}, pids)
	assert.Equal(t, map[string]int{"30.51": 2, "30.52": 3}, leftBehind(ps))
	assert.Len(t, alive(ps), 5)

	_, err = scan(filepath.Join(dir, "missing"), []string{"30.51"})
	assert.Error(t, err)
}

func TestParseOptions(t *testing.T) {
	o, err := ParseOptions(nil, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, []int{64, 10000, 2000, 200, 3, 1}, []int{o.P, o.Jobs, o.GNUJobs, o.TreeJobs, o.Runs, o.TreeRuns})
	assert.Equal(t, 300*time.Millisecond, o.Timeout)
	assert.Equal(t, "true", o.Child)

	o, err = ParseOptions([]string{"-quick", "-runs", "2"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, []int{200, 200, 20, 2, 1}, []int{o.Jobs, o.GNUJobs, o.TreeJobs, o.Runs, o.TreeRuns}, "-quick sizes, except what was given")
	assert.Equal(t, []string{"-quick", "-runs", "2"}, o.Args)

	o, err = ParseOptions([]string{"-jobs", "100"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 100, o.GNUJobs, "at most -jobs")

	for _, args := range [][]string{{"-P", "0"}, {"-timeout", "0s"}, {"extra"}, {"-runs", "-1"}, {"-child", "false"}, {"-child", ""}} {
		_, err := ParseOptions(args, io.Discard)
		assert.Error(t, err, "%q", args)
	}
}

// withoutStaticTrue makes the test's machine one with no static true.
func withoutStaticTrue(t *testing.T) {
	has := hasStaticTrue
	hasStaticTrue = func() bool { return false }
	t.Cleanup(func() { hasStaticTrue = has })
}

func TestParseOptionsChild(t *testing.T) {
	if hasStaticTrue() {
		o, err := ParseOptions([]string{"-quick", "-child", "static"}, io.Discard)
		require.NoError(t, err)
		assert.Equal(t, "static", o.Child)
		assert.Equal(t, []int{200, 200, 20, 1, 1}, []int{o.Jobs, o.GNUJobs, o.TreeJobs, o.Runs, o.TreeRuns}, "-quick sizes")
	}
	withoutStaticTrue(t)
	_, err := ParseOptions([]string{"-quick", "-child", "static"}, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no static true for "+runtime.GOOS+"/"+runtime.GOARCH)
	assert.Contains(t, err.Error(), "use -child true")
	_, err = ParseOptions([]string{"-child", "true"}, io.Discard)
	assert.NoError(t, err, "/bin/true needs no static true")
}

func TestPrepareChild(t *testing.T) {
	dir := t.TempDir()
	c, err := prepareChild("true", dir)
	require.NoError(t, err)
	assert.Equal(t, Child{Path: "/bin/true", Shown: "/bin/true", Desc: "dynamically linked"}, c)

	if hasStaticTrue() {
		c, err = prepareChild("static", dir)
		require.NoError(t, err)
		assert.Equal(t, filepath.Join(dir, "true"), c.Path)
		assert.Equal(t, "$DIR/true", c.Shown)
		assert.Regexp(t, `^a \d+-byte static ELF .*; \$DIR is runnercmp's temporary directory$`, c.Desc)
		fi, err := os.Stat(c.Path)
		require.NoError(t, err)
		assert.NotZero(t, fi.Mode()&0o111, "executable")

		// -json says which child ran, in the options and in the result.
		js, err := json.Marshal(&Result{Options: Options{Child: "static"}, Child: c})
		require.NoError(t, err)
		assert.Contains(t, string(js), `"child":"static"`)
		assert.Contains(t, string(js), `"child":{"path":`+strconv.Quote(c.Path)+`,"shown":"$DIR/true","desc":`)
	}

	withoutStaticTrue(t)
	empty := t.TempDir()
	_, err = prepareChild("static", empty)
	assert.Error(t, err)
	ents, err := os.ReadDir(empty)
	require.NoError(t, err)
	assert.Empty(t, ents, "nothing written")
}

// TestShortJobs builds section (a)'s jobs with each child, checks what
// the table shows, and runs xargs's and GNU parallel's (where installed)
// with a few jobs.
func TestShortJobs(t *testing.T) {
	children := []string{"true"}
	if hasStaticTrue() {
		children = append(children, "static")
	} else {
		t.Log("no static true here: -child static is not covered")
	}
	o := Options{P: 4}
	for _, name := range children {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			c, err := prepareChild(name, dir)
			require.NoError(t, err)
			const n = 5

			x := xargsRunner().short(o, n, c)
			assert.Equal(t, []string{"xargs", "-P", "4", "-n", "1", c.Path}, x.argv)
			assert.Equal(t, "xargs -P 4 -n 1 "+c.Shown, x.command())
			g := gnuParallel().short(o, n, c)
			assert.Equal(t, []string{"parallel", "--will-cite", "-j", "4", c.Path}, g.argv)
			assert.Equal(t, "parallel --will-cite -j 4 "+c.Shown, g.command())
			for _, j := range []job{x, g} {
				assert.Equal(t, "1\n2\n3\n4\n5\n", string(j.input))
				assert.Equal(t, "lines 1…5", j.desc)
			}
			ours := ours("/x/parallel", "-sh").short(o, n, c)
			assert.Equal(t, "examples/parallel -j 4 -sh", ours.command())
			assert.Equal(t, c.Path+" 1\n", strings.SplitAfter(string(ours.input), "\n")[0])
			assert.Equal(t, "lines `"+c.Shown+" 1`…`"+c.Shown+" 5`", ours.desc)

			for _, r := range []runner{xargsRunner(), gnuParallel()} {
				if r.skipped != "" {
					t.Logf("%s: %s", r.name, r.skipped)
					continue
				}
				m, stderr, err := runOnce(context.Background(), dir, r.short(o, n, c))
				require.NoError(t, err, r.name)
				assert.NoError(t, r.check("a", n, m.Exit, stderr), r.name)
			}
		})
	}
}

func TestMarkdown(t *testing.T) {
	trial := func(wall time.Duration, plain, setsid int) Trial {
		return Trial{WallNS: int64(wall), CPUNS: int64(wall / 2), Exit: 1, LeftPlain: plain, LeftSetsid: setsid}
	}
	res := &Result{
		Options: Options{P: 64, Jobs: 1000, TreeJobs: 20, Timeout: 300 * time.Millisecond, Runs: 3, TreeRuns: 1, Args: []string{"-jobs", "1000", "-out", "a dir"}},
		Env:     Env{NumCPU: 2, Kernel: "Linux 6.1 x86_64", CPUModel: "cpu", LoadAvg: "0.50 0.40 0.30", Versions: map[string]string{"xargs": "xargs 4.9"}, Tree: "group"},
		Short: []Row{
			{Runner: "xargs", Command: "xargs -P 64 -n 1 /bin/true", Input: "lines 1…1000", Jobs: 1000, Ref: true,
				Runs: []Trial{trial(500*time.Millisecond, 0, 0), trial(400*time.Millisecond, 0, 0), trial(600*time.Millisecond, 0, 0)}},
			{Runner: "GNU parallel", Command: "parallel -j 64 /bin/true", Input: "lines 1…500", Jobs: 500, Skipped: "not installed (apt-get install parallel)"},
			{Runner: "childloop parallel", Command: "examples/parallel -j 64", Input: "lines `/bin/true 1`…", Jobs: 1000,
				Runs: []Trial{trial(250*time.Millisecond, 0, 0)}, Error: "exit 2 | oops"},
		},
		Tree: []Row{
			{Runner: "xargs", Command: "xargs timeout 0.3 sh -c 'a | b'", Input: "lines 1…20", Jobs: 20, Ref: true, Runs: []Trial{trial(time.Second, 0, 20)}},
			{Runner: "childloop parallel", Command: "examples/parallel", Input: "20 lines", Jobs: 20, Error: "boom"},
		},
		WallNS: int64(3 * time.Second),
	}
	var b bytes.Buffer
	PrintMarkdown(&b, res)
	out := b.String()
	for _, want := range []string{
		"runnercmp: `go run ./bench/cmd/runnercmp -jobs 1000 -out 'a dir'`\n",
		"machine: 2 CPUs (nproc), Linux 6.1 x86_64, cpu; load average 0.50 0.40 0.30 at the start; RLIMIT_NOFILE 0/0",
		"-tree auto is group here",
		"| xargs | `xargs -P 64 -n 1 /bin/true` < lines 1…1000 | 1000 | 0.50 s | 2000 | 1.00× | 0.40–0.60 s | 0.25 s |\n",
		"| GNU parallel | `parallel -j 64 /bin/true` < lines 1…500 | 500 | not installed (apt-get install parallel) | | | | |\n",
		"| childloop parallel | `examples/parallel -j 64` < lines `/bin/true 1`… | 1000 | 0.25 s | 4000 | 2.00× | 0.25 s | 0.12 s |\n",
		"median of 1 run; 30.PLAIN",
		"childloop parallel: error after 1 run: exit 2 | oops\n",
		"| xargs | `xargs timeout 0.3 sh -c 'a \\| b'` < lines 1…20 | 1.00 s | 1.00 s | 1 | 0 | 20 |\n",
		"| childloop parallel | `examples/parallel` < 20 lines | error: boom | | | | |\n",
		"wall time 3.0s\n",
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "busy")
	assert.Contains(t, out, "\n(a) jobs of `/bin/true`, 64 at once; median of 3 runs;", "no Child: /bin/true")
	res.Child = Child{Path: "/tmp/r/true", Shown: "$DIR/true", Desc: "a 129-byte static ELF; $DIR is runnercmp's temporary directory"}
	b.Reset()
	PrintMarkdown(&b, res)
	assert.Contains(t, b.String(), "\n(a) jobs of `$DIR/true` (a 129-byte static ELF; $DIR is runnercmp's temporary directory), 64 at once;")
	res.Env.LoadAvg = "5.1 1 1"
	b.Reset()
	PrintMarkdown(&b, res)
	assert.Contains(t, b.String(), "(busy: ")
	// Every table row has as many cells as its header.
	cells := func(l string) int { return strings.Count(strings.ReplaceAll(l, `\|`, ""), "|") }
	header := 0
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "| runner"):
			header = cells(l)
		case strings.HasPrefix(l, "|"):
			assert.Equal(t, header, cells(l), "%q", l)
		}
	}
}
