package reaplat_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/childloop/childloop/bench/internal/methods"
	"github.com/childloop/childloop/bench/internal/reaplat"
	"github.com/childloop/childloop/internal/testutil"
)

// TestQuickPty runs -quick -sections pty as `go run` would: the table has
// the three rows, each with a rate, CPU, a wall time and thread counts
// that make sense, the JSON agrees, and the plot is written.
func TestQuickPty(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := reaplat.Main(methods.Rows(), []string{"-quick", "-sections", "pty", "-json", "-out", dir}, &stdout, &stderr)
	t.Logf("stdout:\n%s", stdout.String())
	require.Zero(t, code, "Main's exit status; stderr:\n%s", stderr.String())
	out := stdout.String()
	assert.Contains(t, out, "PTY:")
	assert.Contains(t, out, "pty: childloop Terminal ", "the verdict line")
	assert.Contains(t, out, "50 terminals: wall s", "the -quick number of terminals")

	// Every row's line in the table starts with its name and has only
	// numbers and ratios after it: no "error" or "skipped" cell.
	for _, name := range []string{reaplat.PtyChildloop, reaplat.PtyCreack, reaplat.PtyFloor} {
		var line string
		for l := range strings.Lines(out) {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(l), name+" "); ok {
				line = rest
			}
		}
		if !assert.NotEmpty(t, line, "no table line for %s", name) {
			continue
		}
		cells := strings.Fields(line)
		require.Len(t, cells, 9, "%s: cells %q", name, cells)
		mbps, err := strconv.ParseFloat(cells[0], 64)
		if assert.NoError(t, err, "%s: MB/s cell %q", name, cells[0]) {
			assert.Positive(t, mbps, "%s: MB/s", name)
		}
		for i, c := range cells[4:] {
			v, err := strconv.ParseFloat(c, 64)
			if assert.NoError(t, err, "%s: cell %d %q", name, 5+i, c) {
				assert.GreaterOrEqual(t, v, 0.0, "%s: cell %d", name, 5+i)
			}
		}
	}

	b, err := os.ReadFile(filepath.Join(dir, reaplat.JSONFile))
	require.NoError(t, err)
	var res reaplat.Result
	require.NoError(t, json.Unmarshal(b, &res))
	require.Len(t, res.Pty, 3, "pty rows")
	byName := map[string]reaplat.PtyRow{}
	for i, want := range []string{reaplat.PtyChildloop, reaplat.PtyCreack, reaplat.PtyFloor} {
		row := res.Pty[i]
		require.Equal(t, want, row.Method, "row %d", i)
		byName[want] = row
		o, tm := row.Output, row.Terminals
		assert.Empty(t, o.Error, "%s: output", want)
		assert.Equal(t, 4, o.MiB, "%s: output", want)
		assert.Len(t, o.Rounds, 2, "%s: output rounds", want)
		assert.Positive(t, o.MBps, "%s: output", want)
		assert.Positive(t, o.SelfCPUNS, "%s: output CPU", want)
		assert.Empty(t, tm.Error, "%s: terminals", want)
		assert.Equal(t, 50, tm.N, "%s: terminals", want)
		assert.Positive(t, tm.StartNS, "%s: terminals", want)
		assert.GreaterOrEqual(t, tm.WallNS, tm.StartNS, "%s: terminals", want)
		assert.Positive(t, tm.BaseThreads, "%s: terminals", want)
		assert.GreaterOrEqual(t, tm.MaxThreads, tm.BaseThreads, "%s: terminals", want)
		assert.Greater(t, tm.MaxGoroutines, tm.BaseGoroutines, "%s: terminals (the sampler, at least)", want)
	}
	// A goroutine per terminal, and a Wait per child, for creack/pty; one
	// goroutine drives all of them for the other two.
	creack := byName[reaplat.PtyCreack].Terminals
	assert.GreaterOrEqual(t, creack.MaxGoroutines, 2*creack.N, "creack/pty's goroutines")
	for _, name := range []string{reaplat.PtyChildloop, reaplat.PtyFloor} {
		tm := byName[name].Terminals
		assert.Less(t, tm.MaxGoroutines, 10, "%s: goroutines", name)
		assert.Less(t, tm.MaxThreads, creack.MaxThreads, "%s: threads", name)
	}
	checkPNG(t, filepath.Join(dir, reaplat.PtyPNGFile))
	assert.NoError(t, testutil.NoChildren())
}
