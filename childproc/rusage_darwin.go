package childproc

// maxRSSBytes converts ru_maxrss, in bytes on darwin.
func maxRSSBytes(v int64) int64 { return v }
