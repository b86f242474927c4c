// Package peerrun runs a reaplat peer driver (bench/peers) as a subprocess
// and parses its output: one JSON line per measured exit,
//
//	{"pid":123,"ns":45678}
//
// followed by exactly one summary line, {"summary":{...}}, which must be
// the last line. Anything else on stdout is a protocol error; stderr is
// kept for error messages.
package peerrun

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/childloop/childloop/bench/internal/harness"
)

// Summary is the peer's final line.
type Summary struct {
	Mode        string `json:"mode"`
	Runtime     string `json:"runtime"` // e.g. "node v20.20.2"
	Watcher     string `json:"watcher"` // how the runtime learns of exits
	N           int    `json:"n"`
	Warmup      int    `json:"warmup,omitempty"`
	Concurrency int    `json:"concurrency,omitempty"`
	Bytes       int64  `json:"bytes,omitempty"` // output: bytes the measured child wrote and the driver read
	ElapsedNS   int64  `json:"elapsed_ns"`
	// throughput: the CPU time (user + system) over the run of the
	// driver's own process and of the children it reaped.
	CPUNS      int64 `json:"cpu_ns,omitempty"`
	ChildCPUNS int64 `json:"children_cpu_ns,omitempty"`
}

// line is any output line; exactly one of its shapes is set.
type line struct {
	Pid     *int     `json:"pid"`
	NS      *int64   `json:"ns"`
	Summary *Summary `json:"summary"`
}

// Peer is one driver: an interpreter and the script source it runs, or,
// with no Interpreter, an executable (Script is then its image).
type Peer struct {
	Interpreter string // looked up in PATH, e.g. "node"; empty: Script is an executable
	ScriptName  string // file name the script is written under
	Script      []byte // script source
	ExtraArgs   []string
}

// Run writes the script to a temporary directory, runs
// `interpreter script args... extraArgs...`, calls onSample for each exit
// line as it arrives and returns the parsed samples and summary.
func (p Peer) Run(ctx context.Context, args []string, onSample func(harness.Sample)) ([]harness.Sample, Summary, error) {
	cmd, cleanup, err := p.Command(ctx, args)
	if err != nil {
		return nil, Summary{}, err
	}
	defer cleanup()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, Summary{}, err
	}
	if err := cmd.Start(); err != nil {
		return nil, Summary{}, err
	}
	samples, sum, perr := Parse(stdout, onSample)
	if perr != nil {
		cmd.Process.Kill()
	}
	werr := cmd.Wait()
	if werr != nil {
		msg := strings.TrimSpace(stderr.String())
		return samples, sum, fmt.Errorf("%s: %w: %s", p.name(), werr, msg)
	}
	if perr != nil {
		return samples, sum, fmt.Errorf("%s: %w", p.name(), perr)
	}
	return samples, sum, nil
}

// name is how errors name the driver: "node reaplat.js", or the
// executable's name.
func (p Peer) name() string {
	return strings.TrimSpace(p.Interpreter + " " + p.ScriptName)
}

// Command returns the command `interpreter script args... extraArgs...`
// (`script args... extraArgs...` for an executable; the script written to a
// temporary directory) for the caller to run, and a cleanup that removes
// the directory.
func (p Peer) Command(ctx context.Context, args []string) (*exec.Cmd, func(), error) {
	dir, err := os.MkdirTemp("", "reaplat-peer-")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	script := filepath.Join(dir, p.ScriptName)
	mode := os.FileMode(0o644)
	if p.Interpreter == "" {
		mode = 0o755
	}
	if err := os.WriteFile(script, p.Script, mode); err != nil {
		cleanup()
		return nil, nil, err
	}
	argv := append(slices.Clone(args), p.ExtraArgs...)
	if p.Interpreter == "" {
		return exec.CommandContext(ctx, script, argv...), cleanup, nil
	}
	return exec.CommandContext(ctx, p.Interpreter, append([]string{script}, argv...)...), cleanup, nil
}

// Parse reads peer output until EOF. Sample lines must have a positive pid
// and a positive ns; the summary must come last and exactly once.
func Parse(r io.Reader, onSample func(harness.Sample)) ([]harness.Sample, Summary, error) {
	var (
		samples []harness.Sample
		sum     *Summary
	)
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		if sum != nil {
			return samples, *sum, fmt.Errorf("line %d after the summary line", n)
		}
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return samples, Summary{}, fmt.Errorf("line %d: %w: %q", n, err, sc.Text())
		}
		switch {
		case l.Summary != nil:
			sum = l.Summary
		case l.Pid != nil && l.NS != nil:
			if *l.Pid <= 0 || *l.NS <= 0 {
				return samples, Summary{}, fmt.Errorf("line %d: implausible sample %q", n, sc.Text())
			}
			s := harness.Sample{Pid: *l.Pid, Latency: time.Duration(*l.NS)}
			samples = append(samples, s)
			if onSample != nil {
				onSample(s)
			}
		default:
			return samples, Summary{}, fmt.Errorf("line %d: neither a sample nor a summary: %q", n, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		return samples, Summary{}, err
	}
	if sum == nil {
		return samples, Summary{}, errors.New("no summary line")
	}
	return samples, *sum, nil
}
