package cgroup

import "sync"

// Detect returns the calling process's cgroup2 directory (Probe) once
// Check has accepted it, or the error of either; it runs them once per
// process and then returns the same answer, for a caller that decides per
// child whether trees get cells. It creates nothing. Tests that simulate
// another system through MountinfoPath call Probe and Check themselves, or
// replace Detect.
var Detect = sync.OnceValues(func() (string, error) {
	dir, err := Probe()
	if err != nil {
		return "", err
	}
	if err := Check(dir); err != nil {
		return "", err
	}
	return dir, nil
})
