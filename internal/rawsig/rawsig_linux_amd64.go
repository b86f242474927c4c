package rawsig

// archFlags: the x86-64 kernel refuses to deliver a signal without a
// restorer, so the action carries SA_RESTORER and our own stub.
const archFlags = saRESTORER

// sigreturn__sigaction is the SA_RESTORER stub: the handler returns into it
// and it calls rt_sigreturn. The name contains "sigaction" so that gdb
// recognizes it as a signal trampoline, like the runtime's own stub.
//
//lint:ignore U1000 referenced only from assembly, by address.
func sigreturn__sigaction()

// restorerPC returns the entry address of sigreturn__sigaction (ABI0).
func restorerPC() uintptr
