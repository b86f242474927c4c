// Package testutil is the test support shared by the module's packages. It
// is imported by _test.go files only; no program or library package may
// import it.
//
// It has four parts:
//
//   - Helper processes (helper.go): the test binary re-executed as a child,
//     in the os/exec/exec_test.go pattern. TestMain hands its map of helper
//     name → function to RunHelperIfChild, which runs the named helper and
//     exits when the process is such a child; tests start helpers with
//     HelperCommand (an *exec.Cmd) or, for raw spawners, with Executable and
//     HelperEnv.
//   - Open descriptors (fds_*.go): OpenFDs and InheritableFDs list this
//     process's descriptors without opening an *os.File, with the Go
//     runtime's poller started first (so that it cannot appear between two
//     listings), CheckFDLeak compares them at the end of a test, FDTargets
//     lists another process's through /proc (Linux); Pipe makes a test's
//     non-blocking pipe, closed when the test ends.
//   - Children (wait_*.go): NoZombies and NoChildren ask waitid(2) without
//     reaping anything, WaitExited waits for a child's exit without reaping
//     it, Reap reaps one child.
//   - /proc/PID/stat (procstat*.go): ParseProcStat parses a stat line (any
//     OS, for tests of the parser), ReadProcStat, Procs and ChildrenOf read
//     them (Linux).
//
// Errors are returned rather than reported, so that a test chooses
// require or assert: require.NoError(t, testutil.NoChildren()).
package testutil
