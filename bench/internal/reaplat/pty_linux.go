package reaplat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/childloop/childloop/bench/internal/child"
)

// runPty measures the pty section's rows (those -methods selects): the
// output workload in opts.PtyRounds interleaved rounds, then the
// interactive one once per row; each measurement in a helper process of
// its own. A row that read other than every byte its children wrote is an
// error, not a number.
func runPty(ctx context.Context, opts Options, res *Result, pr *progress) []error {
	heads := ptySelected(opts)
	if len(heads) == 0 {
		return nil
	}
	rows := make([]PtyRow, len(heads))
	for i, h := range heads {
		rows[i] = PtyRow{Row: h, Output: PtyOutput{MiB: opts.PtyMiB, WarmupMiB: opts.PtyWarmupMiB()},
			Terminals: PtyTerminals{N: opts.PtyN}}
	}
	defer func() { res.Pty = rows }()
	exe, err := os.Executable()
	if err != nil {
		return []error{fmt.Errorf("pty: %w", err)}
	}
	dir, err := os.MkdirTemp("", "reaplat-pty-")
	if err != nil {
		return []error{fmt.Errorf("pty: %w", err)}
	}
	defer os.RemoveAll(dir)
	echo, desc, err := child.WriteEchoLine(dir)
	if err != nil {
		return []error{fmt.Errorf("pty: %w", err)}
	}
	res.PtyChild = desc

	var errs []error
	fail := func(st *RowStatus, what, method, why string) {
		st.Error = why
		errs = append(errs, fmt.Errorf("pty %s: %s: %s", what, method, why))
	}
	live := make([]int, len(rows))
	for i := range rows {
		live[i] = i
	}
	if err := child.OutputAvailable(); err != nil {
		for i := range rows {
			rows[i].Output.Skipped = err.Error()
			pr.dropStep(stepKey{SectionPty, rows[i].Method, ptyStepOutput})
		}
		live = nil
	}
	cpu := make([]int64, len(rows)) // summed over rounds
	want := int64(opts.PtyMiB) << 20
	rounds(live, opts.PtyRounds, func(r, i int) bool {
		row := &rows[i]
		key := stepKey{SectionPty, row.Method, ptyStepOutput}
		if ctx.Err() != nil {
			pr.dropStep(key)
			return false
		}
		pr.begin(key, fmt.Sprintf("pty output round %d/%d: %s (%d MiB)", r+1, opts.PtyRounds, row.Method, opts.PtyMiB))
		rep, err := runPtyHelper(ctx, exe, ptyJob{Row: row.Method, Kind: ptyJobOutput, MiB: opts.PtyMiB, WarmupMiB: opts.PtyWarmupMiB()})
		pr.end()
		why := ""
		switch {
		case err != nil:
			why = err.Error()
		case rep.Bytes != want:
			why = fmt.Sprintf("lost output: read %d bytes of the child's %d in round %d", rep.Bytes, want, r+1)
		case rep.ElapsedNS <= 0:
			why = "no elapsed time measured"
		}
		if why != "" {
			fail(&row.Output.RowStatus, "output", row.Method, why)
			pr.dropStep(key)
			return false
		}
		row.Output.ElapsedNS += rep.ElapsedNS
		row.Output.Rounds = append(row.Output.Rounds, float64(want)/time.Duration(rep.ElapsedNS).Seconds()/1e6)
		cpu[i] += rep.CPUNS
		return true
	})
	for i := range rows {
		o := &rows[i].Output
		if ran(o.RowStatus) && len(o.Rounds) > 0 {
			o.MBps = median(o.Rounds)
			o.SelfCPUNS = cpu[i] / int64(len(o.Rounds)*o.MiB)
		}
	}

	for i := range rows {
		row := &rows[i]
		key := stepKey{SectionPty, row.Method, ptyStepTerminals}
		if ctx.Err() != nil {
			pr.dropStep(key)
			continue
		}
		pr.begin(key, fmt.Sprintf("pty terminals: %s (%d alive at once)", row.Method, opts.PtyN))
		rep, err := runPtyHelper(ctx, exe, ptyJob{Row: row.Method, Kind: ptyJobTerminals, N: opts.PtyN, Path: echo.Path, Args: echo.Args})
		pr.end()
		t := &row.Terminals
		switch {
		case err != nil:
			fail(&t.RowStatus, "terminals", row.Method, err.Error())
		case rep.Short > 0:
			fail(&t.RowStatus, "terminals", row.Method, fmt.Sprintf("lost output: %d of %d terminals gave other than the %d bytes of the echo and the child's copy (%d bytes missing in all)",
				rep.Short, opts.PtyN, 2*len(ptyEcho), rep.Missing))
		case rep.Failed > 0:
			fail(&t.RowStatus, "terminals", row.Method, fmt.Sprintf("%d of %d children failed, first: %s", rep.Failed, opts.PtyN, rep.Why))
		default:
			t.WallNS, t.StartNS = rep.ElapsedNS, rep.StartNS
			t.MaxThreads, t.MaxGoroutines = rep.MaxThreads, rep.MaxGoroutines
			t.BaseThreads, t.BaseGoroutines = rep.BaseThreads, rep.BaseGoroutines
		}
	}
	return errs
}

// runPtyHelper runs job in a helper process (reaplat's own binary with
// envPtyJob set) and returns its report.
func runPtyHelper(ctx context.Context, exe string, job ptyJob) (ptyReport, error) {
	var rep ptyReport
	spec, err := json.Marshal(job)
	if err != nil {
		return rep, err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), envPtyJob+"="+string(spec))
	var stderr tailBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		for line := range strings.Lines(stderr.String()) {
			if why, ok := strings.CutPrefix(strings.TrimSpace(line), ptyHelperPrefix); ok {
				return rep, errors.New(why)
			}
		}
		if line, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n"); line != "" {
			return rep, fmt.Errorf("helper: %w: %s", err, line)
		}
		return rep, fmt.Errorf("helper: %w", err)
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &rep); err != nil {
		return rep, fmt.Errorf("helper's report %q: %w", out, err)
	}
	return rep, nil
}
