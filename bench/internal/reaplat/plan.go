package reaplat

import (
	"time"

	"github.com/childloop/childloop/bench/internal/harness"
)

// A plan is every step a run will take, known before it starts, so that
// the progress line can say how much is left. Each step's cost is
// estimated from what the run has measured so far: the same step of an
// earlier round (rounds repeat every step), or else a prior for its kind
// of step scaled by how far the finished steps were off their priors (the
// machine may be slower or busier than the one the priors come from).
type plan struct {
	steps []*step // in no particular order
}

// stepKey identifies a step up to its round: steps with the same key cost
// about the same per unit.
type stepKey struct {
	section string // a Section name, or stepGrow/stepRelease
	row     string // row name; empty for the idle pool's steps
	level   int    // scale: idle children around; throughput: the child program's index; many: N; pty: the workload
}

// Steps of the scale section that are not a row's.
const (
	stepGrow    = "grow"    // spawning idle children
	stepRelease = "release" // releasing and reaping them
)

// step is one planned unit of work.
type step struct {
	key   stepKey
	units int           // exits or children it handles, warm-up included
	count int           // units its progress callback counts (measured exits); 0: none
	prior time.Duration // estimated cost before anything was measured
	state stepState
	took  time.Duration // when done
}

type stepState int

const (
	pending stepState = iota
	running
	finished
	dropped
)

// Priors per unit, from full runs on a 2-core VM; they only need to be of
// the right size: after the first steps the plan scales them by what it
// measured.
const (
	priorExit      = 1400 * time.Microsecond // one latency exit, spawn included
	priorPeerExit  = 2600 * time.Microsecond // the same in a peer runtime
	priorPeerStart = 300 * time.Millisecond  // starting a peer interpreter
	priorIdleExit  = 350 * time.Nanosecond   // scale: per exit and idle child (scans, adoption)
	priorGrow      = 600 * time.Microsecond  // one idle child spawned
	priorRelease   = 60 * time.Microsecond   // one idle child released and reaped
	priorChild     = 600 * time.Microsecond  // one throughput child
	priorPeerChild = 1000 * time.Microsecond // the same in a peer runtime
	staticShare    = 5                       // a static true costs a fifth of a /bin/true
	priorMiB       = 500 * time.Microsecond  // one MiB of output read
	priorPeerMiB   = 1500 * time.Microsecond // the same in a peer runtime
	priorManyChild = 300 * time.Microsecond  // many: one child started, released and reaped
	priorPtyMiB    = 3 * time.Millisecond    // pty: one MiB through a terminal
	priorPtyChild  = time.Millisecond        // pty: one interactive child on its terminal
	priorHelper    = 20 * time.Millisecond   // starting a helper process (reaplat's binary)
)

// add plans one step.
func (p *plan) add(key stepKey, units, count int, prior time.Duration) {
	p.steps = append(p.steps, &step{key: key, units: units, count: count, prior: prior})
}

// next marks the first pending step with key as running and returns it,
// or nil if none was planned.
func (p *plan) next(key stepKey) *step {
	for _, s := range p.steps {
		if s.state == pending && s.key == key {
			s.state = running
			return s
		}
	}
	return nil
}

// done records that s took d.
func (p *plan) done(s *step, d time.Duration) {
	s.state, s.took = finished, d
}

// drop gives up the pending steps of row in section; row "" is every row.
func (p *plan) drop(section, row string) {
	for _, s := range p.steps {
		if s.state == pending && s.key.section == section && (row == "" || s.key.row == row) {
			s.state = dropped
		}
	}
}

// dropStep gives up the pending steps with key.
func (p *plan) dropStep(key stepKey) {
	for _, s := range p.steps {
		if s.state == pending && s.key == key {
			s.state = dropped
		}
	}
}

// left estimates the time still needed: the rest of the running step cur
// (inStep spent, done of its count units measured) and every pending step.
func (p *plan) left(cur *step, inStep time.Duration, done int) time.Duration {
	var took, prior time.Duration
	perUnit := map[stepKey][2]float64{} // seconds and units of finished steps
	for _, s := range p.steps {
		if s.state == finished {
			took += s.took
			prior += s.prior
			v := perUnit[s.key]
			perUnit[s.key] = [2]float64{v[0] + s.took.Seconds(), v[1] + float64(s.units)}
		}
	}
	scale := 1.0
	if prior > 0 {
		scale = float64(took) / float64(prior)
	}
	estimate := func(s *step) time.Duration {
		if v := perUnit[s.key]; v[1] > 0 {
			return time.Duration(v[0] / v[1] * float64(s.units) * float64(time.Second))
		}
		return time.Duration(float64(s.prior) * scale)
	}
	var left time.Duration
	for _, s := range p.steps {
		if s.state == pending {
			left += estimate(s)
		}
	}
	if cur != nil {
		rest := estimate(cur) - inStep
		if warm := cur.units - cur.count; cur.count > 0 && done*10 >= cur.count {
			// Measured progress beats the estimate, once there is
			// enough of it that a peer interpreter's start-up is not
			// taken for the pace of its exits.
			rest = time.Duration(float64(inStep) * float64(cur.count-done) / float64(done+warm))
		}
		left += max(rest, 0)
	}
	return left
}

// newPlan lists the steps Run will take for opts over rows (already
// selected by -methods): per section, per round, every row that can run on
// this machine, as the section runners do.
func newPlan(opts Options, rows []harness.Row) *plan {
	p := &plan{}
	var lat, scale, thr, out []harness.Row
	for _, r := range rows {
		// Only the rows of the sections that run are checked: a check
		// may be costly (the C row compiles its driver).
		if !inSections(opts, r) || r.Check() != nil {
			continue
		}
		if r.Latency != nil {
			lat = append(lat, r)
		}
		if r.Scale && r.Latency != nil {
			scale = append(scale, r)
		}
		if r.Throughput != nil {
			thr = append(thr, r)
		}
		if r.Output != nil {
			out = append(out, r)
		}
	}
	if opts.Has(SectionLatency) {
		for round := range opts.Rounds {
			n := share(opts.N, opts.Rounds, round)
			for _, r := range lat {
				units := opts.Warmup + n
				prior := time.Duration(units) * priorExit
				if r.Peer {
					prior = priorPeerStart + time.Duration(units)*priorPeerExit
				}
				p.add(stepKey{SectionLatency, r.Name, 0}, units, n, prior)
			}
		}
	}
	if opts.Has(SectionScale) && len(scale) > 0 {
		have := 0
		for _, level := range opts.Levels() {
			p.add(stepKey{stepGrow, "", level}, level-have, 0, time.Duration(level-have)*priorGrow)
			have = level
			for round := range opts.Rounds {
				n := share(opts.ScaleN, opts.Rounds, round)
				units := scaleWarmup(opts) + n
				perExit := priorExit + time.Duration(level)*priorIdleExit
				for _, r := range scale {
					p.add(stepKey{SectionScale, r.Name, level}, units, n, time.Duration(units)*perExit)
				}
			}
		}
		p.add(stepKey{stepRelease, "", 0}, have, 0, time.Duration(have)*priorRelease)
	}
	if opts.Has(SectionThroughput) {
		for round := range opts.Rounds {
			n := share(opts.Total, opts.Rounds, round)
			for c := range throughputChildCount() {
				for _, r := range thr {
					perChild, start := priorChild, time.Duration(0)
					if r.Peer {
						perChild, start = priorPeerChild, priorPeerStart
					}
					if c > 0 { // the static true
						perChild /= staticShare
					}
					p.add(stepKey{SectionThroughput, r.Name, c}, n, 0, start+time.Duration(n)*perChild)
				}
			}
		}
	}
	if opts.Has(SectionOutput) {
		units := opts.OutputMiB + opts.OutputWarmupMiB()
		for range opts.Rounds {
			for _, r := range out {
				prior := time.Duration(units) * priorMiB
				if r.Peer {
					prior = priorPeerStart + time.Duration(units)*priorPeerMiB
				}
				p.add(stepKey{SectionOutput, r.Name, 0}, units, 0, prior)
			}
		}
	}
	if opts.Has(SectionPty) {
		heads := ptySelected(opts)
		units := opts.PtyMiB + opts.PtyWarmupMiB()
		for range opts.PtyRounds {
			for _, h := range heads {
				p.add(stepKey{SectionPty, h.Method, ptyStepOutput}, units, 0, priorHelper+time.Duration(units)*priorPtyMiB)
			}
		}
		for _, h := range heads {
			p.add(stepKey{SectionPty, h.Method, ptyStepTerminals}, opts.PtyN, 0, priorHelper+time.Duration(opts.PtyN)*priorPtyChild)
		}
	}
	if opts.Has(SectionMany) {
		for _, r := range rows {
			if r.Many == nil && r.ManyPeer == nil || r.Check() != nil {
				continue
			}
			for _, n := range opts.ManyN {
				p.add(stepKey{SectionMany, r.Name, n}, n, 0, priorPeerStart+time.Duration(n)*priorManyChild)
			}
		}
	}
	return p
}

// inSections reports whether r takes part in a section that opts runs.
func inSections(opts Options, r harness.Row) bool {
	return opts.Has(SectionLatency) && r.Latency != nil ||
		opts.Has(SectionScale) && r.Scale && r.Latency != nil ||
		opts.Has(SectionThroughput) && r.Throughput != nil ||
		opts.Has(SectionOutput) && r.Output != nil ||
		opts.Has(SectionMany) && (r.Many != nil || r.ManyPeer != nil)
}

// scaleWarmup is the scale section's warm-up per round and level: fewer
// than the latency section's, as every level repeats it.
func scaleWarmup(opts Options) int { return min(opts.Warmup, 10) }
