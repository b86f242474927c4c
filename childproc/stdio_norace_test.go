//go:build linux && !race

package childproc_test

// raceBuild is true in -race builds (see stdio_race_test.go).
const raceBuild = false
