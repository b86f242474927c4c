// Package child starts the benchmark's child programs with raw fork+exec
// (no os/exec, no runtime reaping): /bin/cat blocked on stdin for latency
// runs, /bin/true and a static ELF that exits at once for throughput runs,
// dd writing zeros to its stdout for output runs, and pools of idle
// /bin/cat children that all share one stdin pipe for the scale section.
//
// Every fd this package creates is O_CLOEXEC from birth, so concurrently
// spawned children never inherit another child's pipe ends (which would
// keep a cat alive after its stdin was closed).
package child
