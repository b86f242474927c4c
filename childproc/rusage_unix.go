//go:build !darwin

package childproc

// maxRSSBytes converts ru_maxrss, in KiB on Linux and the BSDs.
func maxRSSBytes(v int64) int64 { return v * 1024 }
