package runnercmp

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
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

	o, err = ParseOptions([]string{"-quick", "-runs", "2"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, []int{200, 200, 20, 2, 1}, []int{o.Jobs, o.GNUJobs, o.TreeJobs, o.Runs, o.TreeRuns}, "-quick sizes, except what was given")
	assert.Equal(t, []string{"-quick", "-runs", "2"}, o.Args)

	o, err = ParseOptions([]string{"-jobs", "100"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 100, o.GNUJobs, "at most -jobs")

	for _, args := range [][]string{{"-P", "0"}, {"-timeout", "0s"}, {"extra"}, {"-runs", "-1"}} {
		_, err := ParseOptions(args, io.Discard)
		assert.Error(t, err, "%q", args)
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
