package rawsig

// archFlags: arm64 needs no SA_RESTORER; without it the kernel returns to the
// vDSO's rt_sigreturn trampoline (as with the Go runtime's own handlers).
const archFlags = 0

// restorerPC returns 0: no restorer on arm64.
func restorerPC() uintptr { return 0 }
