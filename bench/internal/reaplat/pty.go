package reaplat

// The pty section (opt-in: -sections pty): children on pseudo-terminals,
// three ways. Its rows are its own, not harness rows: childproc's
// Terminal on the reference loop, creack/pty with a goroutine per terminal
// (how its users read one), and a hand-written epoll loop, the floor. Two
// workloads: one child writing -pty-mib MiB to its terminal (MB/s, and the
// parent's CPU per MiB), and -pty-n interactive children alive at once,
// each typed a line that it echoes before it exits (wall time, and the
// parent's most OS threads and goroutines). Every measurement runs in a
// helper process of its own (reaplat's binary again), so that one row's
// threads (creack/pty leaves hundreds behind, as the Go runtime keeps
// them) and heap never land on another's numbers.

// The pty section's rows, in table order.
const (
	PtyChildloop = "childloop Terminal"
	PtyCreack    = "creack/pty + io.Copy"
	PtyFloor     = "epoll read loop (floor)"
)

// ptyCreackRef is the creack/pty row's name in ratios.
const ptyCreackRef = "creack/pty"

// ptyHeads are the section's rows as they start, in table order.
func ptyHeads() []Row {
	return []Row{
		{Method: PtyChildloop, Default: true},
		{Method: PtyCreack, Ref: ptyCreackRef},
		{Method: PtyFloor, Floor: true, Ref: "the floor"},
	}
}

// ptySelected are the rows opts.Methods selects.
func ptySelected(opts Options) []Row {
	var out []Row
	for _, h := range ptyHeads() {
		if opts.Methods == nil || opts.Methods.MatchString(h.Method) {
			out = append(out, h)
		}
	}
	return out
}

// The section's two steps per row, as stepKey levels.
const (
	ptyStepOutput = iota
	ptyStepTerminals
)

// Terminal size every row asks for.
const ptyRows, ptyCols = 24, 80

// ptyLine is what the interactive workload types into each terminal. The
// terminal echoes it and the child writes it back, each time with "\n" as
// "\r\n" (ONLCR): every terminal's output is twice ptyEcho.
const (
	ptyLine = "reaplat\n"
	ptyEcho = "reaplat\r\n"
)

// PtyRow is one row of the pty section: its output workload and its
// interactive one, each with a status of its own (a row can lose bytes in
// one and not the other).
type PtyRow struct {
	Row
	Output    PtyOutput    `json:"output"`
	Terminals PtyTerminals `json:"terminals"`
}

// PtyOutput is one row's output workload: per round one helper process
// runs a warm-up child of WarmupMiB, then the measured child of MiB; MBps
// is the median round (10^6 bytes per second, from before the spawn until
// the row has the exit and every byte).
type PtyOutput struct {
	RowStatus
	MiB       int       `json:"mib"`
	WarmupMiB int       `json:"warmup_mib"`
	Rounds    []float64 `json:"rounds,omitempty"` // MB/s of each round, in run order
	MBps      float64   `json:"mb_per_s"`
	ElapsedNS int64     `json:"elapsed_ns"` // the measured children of all rounds
	// SelfCPUNS is the helper process's own CPU time (getrusage, user +
	// system) per MiB over the measured children of all rounds.
	SelfCPUNS int64 `json:"self_cpu_ns_per_mib"`
}

// PtyTerminals is one row's interactive workload: N children started, all
// alive at once, then each typed ptyLine; done when every child has
// echoed it and exited and all output is read.
type PtyTerminals struct {
	RowStatus
	N       int   `json:"n"`
	WallNS  int64 `json:"wall_ns"`  // first spawn to the last child done
	StartNS int64 `json:"start_ns"` // first spawn to all N started
	// The helper process's OS threads (/proc/self/status) and goroutines
	// (runtime.NumGoroutine): the most seen during the run (sampled every
	// few ms, and once all were started), and before the first spawn.
	MaxThreads     int `json:"max_threads"`
	MaxGoroutines  int `json:"max_goroutines"`
	BaseThreads    int `json:"base_threads"`
	BaseGoroutines int `json:"base_goroutines"`
}

// Workloads of a helper job.
const (
	ptyJobOutput    = "output"
	ptyJobTerminals = "terminals"
)

// ptyJob is one helper process's work, passed as JSON in envPtyJob.
type ptyJob struct {
	Row       string   `json:"row"`
	Kind      string   `json:"kind"`
	MiB       int      `json:"mib,omitempty"`
	WarmupMiB int      `json:"warmup_mib,omitempty"`
	N         int      `json:"n,omitempty"`
	Path      string   `json:"path,omitempty"` // terminals: the child program
	Args      []string `json:"args,omitempty"`
}

// envPtyJob makes reaplat's binary a pty helper.
const envPtyJob = "REAPLAT_PTY_JOB"

// ptyReport is a helper's answer, its one line of stdout. Bytes and Short
// are checked by the measuring process: a row that lost output is an
// error, not a number.
type ptyReport struct {
	ElapsedNS int64  `json:"elapsed_ns"` // output: the measured child; terminals: the whole run
	StartNS   int64  `json:"start_ns,omitempty"`
	CPUNS     int64  `json:"cpu_ns,omitempty"` // output: the helper's own over the measured child
	Bytes     int64  `json:"bytes,omitempty"`  // output: read from the measured child's terminal
	Short     int    `json:"short,omitempty"`  // terminals: how many read other than 2×ptyEcho
	Missing   int64  `json:"missing,omitempty"`
	Failed    int    `json:"failed,omitempty"` // children that did not exit 0 (or were cut)
	Why       string `json:"why,omitempty"`    // the first such failure

	MaxThreads     int `json:"max_threads,omitempty"`
	MaxGoroutines  int `json:"max_goroutines,omitempty"`
	BaseThreads    int `json:"base_threads,omitempty"`
	BaseGoroutines int `json:"base_goroutines,omitempty"`
}
