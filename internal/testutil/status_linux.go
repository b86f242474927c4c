package testutil

import (
	"os"
	"strconv"
	"strings"
)

// SelfStatus returns the named numeric fields of /proc/self/status
// ("Threads", "VmRSS" in KiB, ...); a field missing or unreadable is
// absent from the map.
func SelfStatus(keys ...string) map[string]int {
	m := map[string]int{}
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return m
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		for _, want := range keys {
			if k == want {
				if f := strings.Fields(v); len(f) > 0 {
					if n, err := strconv.Atoi(f[0]); err == nil {
						m[k] = n
					}
				}
			}
		}
	}
	return m
}
