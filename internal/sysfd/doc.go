// Package sysfd creates the library's own file descriptors close-on-exec
// from birth, so that no fork+exec anywhere in the process can inherit them
// (libxl's self-pipes leaked into exec'd scripts until 2022 for lack of
// this). Where pipe2 exists the flags are atomic; elsewhere the pipe is made
// and marked while holding syscall.ForkLock for reading, which every
// fork+exec of the Go runtime takes for writing.
package sysfd
