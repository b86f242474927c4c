package reaplat

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"time"

	"github.com/childloop/childloop/bench/internal/harness"
	"github.com/childloop/childloop/bench/internal/stats"
)

// Main runs the command with args (without the program name), printing
// tables to stdout and progress to stderr, and returns the exit code: 0,
// 1 when a method failed or output could not be written, 2 for bad flags.
func Main(args []string, stdout, stderr io.Writer) int {
	opts, err := ParseOptions(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "reaplat:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := Run(ctx, opts, stderr)
	if res != nil {
		PrintTables(stdout, res)
	}
	if err != nil {
		fmt.Fprintln(stderr, "reaplat:", err)
		return 1
	}
	return writeOutputs(opts, res, stdout, stderr)
}

// writeOutputs writes the JSON and PNG files that opts asks for.
func writeOutputs(opts Options, res *Result, stdout, stderr io.Writer) int {
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
			fmt.Fprintln(stdout, "raw samples:", path)
		}
	}
	if opts.Plot {
		path, err := writePlot(opts.OutDir, res)
		if err != nil {
			fmt.Fprintln(stderr, "reaplat: writing plot:", err)
			code = 1
		} else {
			fmt.Fprintln(stdout, "plot:", path)
		}
	}
	return code
}

// Run measures every selected section over the registered methods that
// match opts.Methods. A failing method is recorded in its row and makes
// Run return an error after all sections ran; the result is always
// returned.
func Run(ctx context.Context, opts Options, log io.Writer) (*Result, error) {
	start := time.Now()
	res := &Result{Env: gatherEnv(ctx), Options: opts}
	methods := harness.Methods(opts.Methods)
	var errs []error
	if opts.Has(SectionLatency) {
		errs = append(errs, runLatency(ctx, opts, methods, res, log)...)
	}
	if opts.Has(SectionScale) {
		errs = append(errs, runScale(ctx, opts, methods, res, log)...)
	}
	if opts.Has(SectionThroughput) {
		errs = append(errs, runThroughput(ctx, opts, methods, res, log)...)
	}
	res.WallNS = int64(time.Since(start))
	return res, errors.Join(errs...)
}

// newRow starts m's row in any section. ok is false, and the row says why,
// when m cannot run on this machine.
func newRow(m harness.Method) (row Row, ok bool) {
	row = Row{Method: m.Name(), Floor: harness.Floor(m)}
	switch err := m.Available(); {
	case err == nil:
		return row, true
	case errors.Is(err, harness.ErrNotInstalled):
		row.Skipped = "not installed (" + err.Error() + ")"
	default:
		row.Skipped = err.Error()
	}
	return row, false
}

func runLatency(ctx context.Context, opts Options, methods []harness.Method, res *Result, log io.Writer) []error {
	var errs []error
	for _, m := range methods {
		head, ok := newRow(m)
		row := LatencyRow{Row: head}
		if !ok {
			res.Latency = append(res.Latency, row)
			continue
		}
		p := newProgress(log, "latency: "+m.Name(), opts.N)
		samples, err := m.Latency(ctx, harness.LatencyConfig{N: opts.N, Warmup: opts.Warmup, Progress: p.update})
		if err != nil {
			row.Error = err.Error()
			errs = append(errs, fmt.Errorf("latency: %s: %w", m.Name(), err))
		}
		row.Samples = samples
		row.Summary = stats.Summarize(durations(samples))
		res.Latency = append(res.Latency, row)
	}
	return errs
}

func runThroughput(ctx context.Context, opts Options, methods []harness.Method, res *Result, log io.Writer) []error {
	var errs []error
	type entry struct {
		t   harness.Throughputer
		row ThroughputRow
		bad bool // skipped or failed: no further rounds
	}
	var rows []*entry
	for _, m := range methods {
		t, ok := m.(harness.Throughputer)
		if !ok {
			continue
		}
		head, ok := newRow(m)
		rows = append(rows, &entry{t: t, row: ThroughputRow{Row: head, Concurrency: opts.Concurrency, Total: opts.Total}, bad: !ok})
	}
	for r := range opts.Rounds {
		// Children this round: the total split as evenly as possible.
		cfg := harness.ThroughputConfig{Concurrency: opts.Concurrency, Total: opts.Total/opts.Rounds + b2i(r < opts.Total%opts.Rounds)}
		for i := range rows {
			e := rows[(i+r)%len(rows)] // rotate the order every round
			if e.bad {
				continue
			}
			stopBeat := heartbeat(log, fmt.Sprintf("throughput round %d/%d: %s (%d children, %d in flight)", r+1, opts.Rounds, e.row.Method, cfg.Total, cfg.Concurrency))
			d, err := e.t.Throughput(ctx, cfg)
			stopBeat()
			switch {
			case err != nil:
				e.row.Error, e.bad = err.Error(), true
				errs = append(errs, fmt.Errorf("throughput: %s: %w", e.row.Method, err))
			case d <= 0:
				e.row.Error, e.bad = "no elapsed time measured", true
			default:
				e.row.ElapsedNS += int64(d)
				e.row.Rounds = append(e.row.Rounds, float64(cfg.Total)/d.Seconds())
			}
		}
	}
	for _, e := range rows {
		if !e.bad {
			e.row.PerSecond = median(e.row.Rounds)
		}
		res.Throughput = append(res.Throughput, e.row)
	}
	return errs
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
