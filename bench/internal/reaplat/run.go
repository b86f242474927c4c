package reaplat

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/childloop/childloop/bench/internal/harness"
	"github.com/childloop/childloop/internal/spawn"
)

// Main runs the command over rows (methods.Rows) with args (without the
// program name), printing tables to stdout and progress to stderr, and
// returns the exit code: 0, 1 when a row failed or output could not be
// written, 2 for bad flags.
func Main(rows []harness.Row, args []string, stdout, stderr io.Writer) int {
	if code, ok := Helper(rows); ok {
		return code
	}
	opts, err := ParseOptions(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "reaplat:", err)
		return 2
	}
	// Where the Go runtime raised RLIMIT_NOFILE at start-up, childloop's
	// spawn would fall back to syscall.ForkExec (see internal/spawn); set
	// the soft limit ourselves so the childloop rows measure the library's
	// default path. Every row's children then inherit the same limit.
	if err := spawn.NofileToHard(); err != nil {
		fmt.Fprintln(stderr, "reaplat: setrlimit(RLIMIT_NOFILE):", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, runErr := Run(ctx, opts, rows, stderr)
	code := 0
	if res != nil {
		// Print and write what was measured even when a row failed.
		info := stdout
		if opts.Markdown {
			PrintMarkdown(stdout, res)
			info = stderr // keep stdout pure Markdown
		} else {
			PrintTables(stdout, res)
		}
		code = writeOutputs(opts, res, info, stderr)
		if opts.Quick {
			fmt.Fprintln(info, quickBanner) // last, where the eye lands
		}
	}
	if runErr != nil {
		fmt.Fprintln(stderr, "reaplat:", runErr)
		return 1
	}
	return code
}

// writeOutputs writes the JSON and PNG files that opts asks for, naming
// them on info.
func writeOutputs(opts Options, res *Result, info, stderr io.Writer) int {
	if !opts.JSON && !opts.Plot {
		return 0
	}
	if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
		fmt.Fprintln(stderr, "reaplat:", err)
		return 1
	}
	code := 0
	if opts.JSON {
		path, err := writeJSON(opts.OutDir, res)
		if err != nil {
			fmt.Fprintln(stderr, "reaplat: writing JSON:", err)
			code = 1
		} else {
			fmt.Fprintln(info, "raw samples:", path)
		}
	}
	if opts.Plot {
		paths, err := writePlots(opts.OutDir, res)
		for _, p := range paths {
			fmt.Fprintln(info, "plot:", p)
		}
		if err != nil {
			fmt.Fprintln(stderr, "reaplat: writing plots:", err)
			code = 1
		}
	}
	return code
}

// Run measures every selected section over the rows that match
// opts.Methods. A failing row is recorded in its section's result and makes
// Run return an error after all sections ran; the result is always
// returned.
func Run(ctx context.Context, opts Options, rows []harness.Row, log io.Writer) (*Result, error) {
	start := time.Now()
	res := &Result{Env: gatherEnv(ctx), Options: opts}
	methods := harness.Select(rows, opts.Methods)
	for _, m := range methods {
		res.Rows = append(res.Rows, Row{Method: m.Name, Floor: m.Floor, Default: m.Default, Ref: m.Ref})
	}
	pr := newProgress(log, newPlan(opts, methods))
	var errs []error
	if opts.Has(SectionLatency) {
		errs = append(errs, runLatency(ctx, opts, methods, res, pr)...)
	}
	if opts.Has(SectionScale) {
		errs = append(errs, runScale(ctx, opts, methods, res, pr)...)
	}
	if opts.Has(SectionThroughput) {
		errs = append(errs, runThroughput(ctx, opts, methods, res, pr)...)
	}
	if opts.Has(SectionOutput) {
		errs = append(errs, runOutput(ctx, opts, methods, res, pr)...)
	}
	if opts.Has(SectionMany) {
		errs = append(errs, runMany(ctx, opts, methods, res, pr)...)
	}
	if opts.Has(SectionPty) {
		errs = append(errs, runPty(ctx, opts, res, pr)...)
	}
	pr.finish()
	res.WallNS = int64(time.Since(start))
	return res, errors.Join(errs...)
}

// newRow starts m's row in any section. ok is false, and the row says why,
// when m cannot run on this machine.
func newRow(m harness.Row) (row Row, ok bool) {
	row = Row{Method: m.Name, Floor: m.Floor, Default: m.Default, Ref: m.Ref}
	switch err := m.Check(); {
	case err == nil:
		return row, true
	case errors.Is(err, harness.ErrNotInstalled):
		row.Skipped = "not installed (" + err.Error() + ")"
	default:
		row.Skipped = err.Error()
	}
	return row, false
}

// rounds calls f for every round and every live entry, rotating the order
// of the entries by one each round, so that a slow spell of a shared machine
// is spread over every method instead of landing on one. f returns false to
// drop its entry from later rounds (it failed).
func rounds[E any](entries []E, n int, f func(round int, e E) bool) {
	dead := make([]bool, len(entries))
	for r := range n {
		for i := range entries {
			k := (i + r) % len(entries)
			if !dead[k] {
				dead[k] = !f(r, entries[k])
			}
		}
	}
}

// share is round r's part of total split into n rounds as evenly as possible.
func share(total, n, r int) int {
	if r < total%n {
		return total/n + 1
	}
	return total / n
}
