//go:build linux && race

package childproc_test

// raceBuild is true in -race builds, where sync.Pool drops some of what is
// Put on purpose: the pooled read buffer of the pipe callbacks is then
// allocated again now and then, and allocation counts mean nothing.
const raceBuild = true
