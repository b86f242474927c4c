package reaplat

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/childloop/childloop/bench/internal/machine"
)

// Section names accepted by -sections.
const (
	SectionLatency    = "latency"
	SectionScale      = "scale"
	SectionThroughput = "throughput"
	SectionOutput     = "output"
	SectionMany       = "many"
	SectionPty        = "pty"
)

// Options is the parsed command line; immutable after ParseOptions.
type Options struct {
	N           int            `json:"n"`           // measured exits per method (latency)
	Warmup      int            `json:"warmup"`      // discarded exits before them
	Sections    []string       `json:"sections"`    // which sections run, in order
	Methods     *regexp.Regexp `json:"-"`           // row filter (nil: all)
	MethodsExpr string         `json:"methods"`     // its source
	OutDir      string         `json:"out_dir"`     // where JSON and PNG go
	JSON        bool           `json:"json"`        // write reaplat.json
	Plot        bool           `json:"plot"`        // write reaplat.png
	ScaleMax    int            `json:"scale_max"`   // largest idle-children level
	ScaleN      int            `json:"scale_n"`     // measured exits per scale level
	Concurrency int            `json:"concurrency"` // throughput children in flight
	Total       int            `json:"total"`       // throughput children in all, per method and child program
	OutputMiB   int            `json:"output_mib"`  // output: MiB the measured child writes
	Rounds      int            `json:"rounds"`      // interleaved rounds of every section
	Quick       bool           `json:"quick"`       // smoke-test sizes
	Markdown    bool           `json:"markdown"`    // stdout: Markdown tables instead of plain ones
	ManyN       []int          `json:"many_n"`      // many: live children per helper process
	PtyMiB      int            `json:"pty_mib"`     // pty: MiB the measured child writes to its terminal
	PtyN        int            `json:"pty_n"`       // pty: interactive children alive at once
	PtyRounds   int            `json:"pty_rounds"`  // pty: rounds of the output workload, one child per row each
}

// scaleLevels are the idle-children counts of the scale section, capped
// by Options.ScaleMax.
var scaleLevels = []int{1, 100, 1000, 10000}

// Levels returns the scale levels not above ScaleMax; ScaleMax itself is
// added when it lies between the fixed levels or beyond them.
func (o Options) Levels() []int {
	var out []int
	for _, l := range scaleLevels {
		if l <= o.ScaleMax {
			out = append(out, l)
		}
	}
	if o.ScaleMax > 0 && !slices.Contains(out, o.ScaleMax) {
		out = append(out, o.ScaleMax)
	}
	return out
}

// OutputWarmupMiB is the output section's warm-up child: a sixteenth of
// the measured one, at least 1 MiB.
func (o Options) OutputWarmupMiB() int { return max(o.OutputMiB/16, 1) }

// PtyWarmupMiB is the pty section's warm-up child, as OutputWarmupMiB.
func (o Options) PtyWarmupMiB() int { return max(o.PtyMiB/16, 1) }

// Has reports whether section s runs.
func (o Options) Has(s string) bool { return slices.Contains(o.Sections, s) }

// ParseOptions parses args (without the program name). Usage and errors go
// to errOut. flag.ErrHelp is returned for -h.
func ParseOptions(args []string, errOut io.Writer) (Options, error) {
	fs := flag.NewFlagSet("reaplat", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = func() {
		fmt.Fprintf(errOut, "usage: go run ./bench/cmd/reaplat [flags]\n\n"+
			"Measures how fast each way of running children notices an exit.\n"+
			"See bench/README.md for the method.\n\nflags:\n")
		fs.PrintDefaults()
	}
	var o Options
	var sections, manyN string
	fs.IntVar(&o.N, "n", 1000, "measured exits per method in the latency section")
	fs.IntVar(&o.Warmup, "warmup", 20, "warm-up exits per method, discarded")
	fs.StringVar(&sections, "sections", "many,latency,scale,throughput", "comma-separated sections to run (also: output, pty)")
	fs.StringVar(&o.MethodsExpr, "methods", "", "regexp: run only methods whose name matches")
	fs.StringVar(&o.OutDir, "out", "bench/out", "output directory for reaplat.json and the plots (docs/ holds the committed ones: refresh them with -out docs only on purpose)")
	fs.BoolVar(&o.JSON, "json", false, "write every raw sample and the environment to OUT/reaplat.json")
	fs.BoolVar(&o.Plot, "plot", true, "write one plot per section that ran to OUT/reaplat-SECTION.png")
	fs.IntVar(&o.ScaleMax, "scale-max", 10000, "largest number of idle children in the scale section")
	fs.IntVar(&o.ScaleN, "scale-n", 200, "measured exits per method and idle level in the scale section")
	fs.IntVar(&o.Concurrency, "c", 64, "throughput: children in flight")
	fs.IntVar(&o.Total, "total", 3000, "throughput: children in all, per method and child program (/bin/true, the static true)")
	fs.IntVar(&o.OutputMiB, "output-mib", 256, "output: MiB the child writes to its stdout, per method and round (after a warm-up child of a sixteenth of it)")
	fs.IntVar(&o.Rounds, "rounds", 10, "latency and throughput: rounds, each running every method once in rotated order on n/rounds exits (latency; scale-n/rounds per scale level; samples pooled) or total/rounds children (throughput, median round shown)")
	fs.BoolVar(&o.Markdown, "markdown", false, "print the tables and the verdict as Markdown (the README's measured section) instead of plain text")
	fs.StringVar(&manyN, "many-n", "1000,3000", "many: comma-separated numbers of live children, one helper process per row and number (1000,3000,10000,30000 shows os/exec dying; about 4 minutes)")
	fs.IntVar(&o.PtyMiB, "pty-mib", 64, "pty: MiB one child writes to its terminal, per row and round (after a warm-up child of a sixteenth of it)")
	fs.IntVar(&o.PtyN, "pty-n", 500, "pty: interactive children on terminals of their own, alive at once, per row")
	fs.IntVar(&o.PtyRounds, "pty-rounds", 5, "pty: interleaved rounds of the output workload, one measured child per row and round (median shown)")
	fs.BoolVar(&o.Quick, "quick", false, "smoke test: small sizes (flags given explicitly still win)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if o.Quick {
		machine.QuickDefaults(fs,
			map[string]*int{"n": &o.N, "warmup": &o.Warmup, "scale-max": &o.ScaleMax,
				"scale-n": &o.ScaleN, "c": &o.Concurrency, "total": &o.Total, "output-mib": &o.OutputMiB, "rounds": &o.Rounds,
				"pty-mib": &o.PtyMiB, "pty-n": &o.PtyN, "pty-rounds": &o.PtyRounds},
			map[string]int{"n": 100, "warmup": 10, "scale-max": 100, "scale-n": 20, "c": 16, "total": 200, "output-mib": 16, "rounds": 1,
				"pty-mib": 4, "pty-n": 50, "pty-rounds": 2})
		if !machine.Set(fs, "many-n") {
			manyN = "10,100"
		}
	}
	for _, f := range strings.Split(manyN, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return o, fmt.Errorf("-many-n: %q is not a positive number", f)
		}
		o.ManyN = append(o.ManyN, n)
	}
	for _, s := range strings.Split(sections, ",") {
		s = strings.TrimSpace(s)
		switch s {
		case SectionLatency, SectionScale, SectionThroughput, SectionOutput, SectionMany, SectionPty:
			if !slices.Contains(o.Sections, s) {
				o.Sections = append(o.Sections, s)
			}
		case "":
		default:
			return o, fmt.Errorf("unknown section %q (want latency, scale, throughput, output, many, pty)", s)
		}
	}
	if o.MethodsExpr != "" {
		re, err := regexp.Compile(o.MethodsExpr)
		if err != nil {
			return o, fmt.Errorf("-methods: %w", err)
		}
		o.Methods = re
	}
	if o.N < 1 || o.Warmup < 0 || o.ScaleMax < 0 || o.ScaleN < 1 || o.Concurrency < 1 || o.Total < 1 || o.OutputMiB < 1 || o.Rounds < 1 {
		return o, errors.New("-n, -scale-n, -c, -total, -output-mib and -rounds must be positive; -warmup and -scale-max not negative")
	}
	if o.PtyMiB < 1 || o.PtyN < 1 || o.PtyRounds < 1 {
		return o, errors.New("-pty-mib, -pty-n and -pty-rounds must be positive")
	}
	if o.Total < o.Rounds || o.N < o.Rounds || o.ScaleN < o.Rounds {
		return o, fmt.Errorf("-n %d, -scale-n %d and -total %d must be at least -rounds %d", o.N, o.ScaleN, o.Total, o.Rounds)
	}
	return o, nil
}
