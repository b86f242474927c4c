// Package rawsig installs an async-signal-safe SIGCHLD handler, written in
// Go assembly, that turns every SIGCHLD into one byte on each of a set of
// non-blocking self-pipe write ends, and then hands the signal on to the
// handler that was installed before it (normally the Go runtime's), so that
// os/signal and os/exec keep working.
//
// It is supported on linux/amd64 and linux/arm64 (see [Supported]); on every
// other platform the package builds, [Install] returns an error wrapping
// [ErrUnsupported], and the remaining functions are inert.
//
// # What runs on the signal path
//
// The kernel invokes the handler on whatever thread it picked for the signal,
// on that thread's alternate signal stack (SA_ONSTACK: every thread the Go
// runtime creates has one; goroutine stacks are far too small to take a signal
// frame). The handler is NOSPLIT|NOFRAME assembly that uses only the C calling
// convention it was entered with. It never touches the goroutine (g) register
// or thread-local storage, never calls into the Go runtime itself, never
// allocates, never locks and needs no more than 48 bytes of stack (amd64) or
// 64 bytes (arm64) before it chains. In order it:
//
//  1. reads epoch and atomically increments active[epoch&1] (LOCK XADD on
//     amd64, an LDAXR/STLXR loop on arm64: no LSE atomics are assumed);
//  2. loads the address of the current snapshot — an immutable array
//     {n, fd0 … fdn-1} of int32 published by [Publish];
//  3. issues one raw write(fd, &byte, 1) system call per fd. Every error is
//     ignored: EAGAIN means the pipe is full, i.e. a wakeup is already pending,
//     which is exactly what a self-pipe needs. Raw SYSCALL/SVC instructions
//     return the error in a register and there is no libc errno to save and
//     restore, so the interrupted code's errno-like state cannot be disturbed;
//  4. atomically decrements the counter it incremented (the snapshot is not
//     touched after this point);
//  5. if the action saved by [Install] was a function (not SIG_DFL or
//     SIG_IGN), calls it with the original (sig, info, ucontext) arguments,
//     the C way: arguments in DI/SI/DX (amd64, with AL=0 as the kernel does
//     and the stack 16-byte aligned at the call) or R0/R1/R2 (arm64, with LR
//     saved by the handler). The Go runtime's sigtramp is written for exactly
//     this entry and restores the registers it clobbers; a handler installed
//     without SA_SIGINFO is called the same way (the extra arguments are
//     harmless in both ABIs, and the kernel itself passes them on amd64).
//     SIG_DFL for SIGCHLD means "ignore", so nothing is called for either
//     SIG_DFL or SIG_IGN;
//  6. returns; on amd64 into this package's own rt_sigreturn stub
//     (SA_RESTORER is mandatory there), on arm64 into the kernel's vDSO
//     trampoline.
//
// The handler is installed with an all-ones sa_mask, as the Go runtime installs
// its own: no other signal can interrupt it, and the chained handler runs in
// the signal-mask environment it was written for. Callee-saved registers are
// preserved even though the kernel restores every register on sigreturn, so
// that a foreign handler which itself chains to this one sees a well-behaved
// C function.
//
// # Snapshots and the use-after-close hazard
//
// The fd set is copy-on-write: [Publish] copies its argument into a new array
// and atomically swaps the published address; the handler only ever reads.
// A handler that loaded the old address may still be writing to the old fds
// after Publish returns. If the caller closes such an fd and its number is
// reused by an unrelated file, that file would receive a stray byte. Hence the
// protocol for removing an fd:
//
//	rawsig.Publish(newFDs) // the fd is no longer in the snapshot
//	rawsig.Quiesce()       // no handler can still be using an older snapshot
//	unix.Close(fd)         // now safe
//
// Quiesce is a two-phase grace period over the two in-flight counters
// (the scheme of sleepable RCU): it flips epoch so that new handlers count in
// the other slot, waits for the old slot to drain, flips back and waits for
// the second slot. Any handler that loaded a snapshot older than the latest
// Publish incremented one of the two counters before loading it, and that
// increment is ordered before the Publish (LOCK-prefixed instructions on
// amd64; acquire/release pairs on arm64, which are sequentially consistent
// with each other), so Quiesce sees it and waits for its decrement. Each flip
// bounds the wait: once it is visible, new handlers use the other slot, and at
// most one handler per thread can have read the epoch before it. The same
// counters also keep old snapshot arrays reachable for the garbage collector
// until no handler can be reading them.
//
// # What survives and what breaks the handler
//
// Verified by the package tests on go1.26 (see rawsig_test.go):
//
//   - signal.Notify(c, syscall.SIGCHLD), signal.Stop and signal.Reset leave the
//     handler in place. The runtime installed its SIGCHLD handler at start-up,
//     so it only updates its own bookkeeping; it does not call sigaction.
//     Notify channels keep receiving because the handler chains.
//   - os/exec keeps working: Cmd.Wait waits on a pidfd and never needs the
//     signal. Forked children: syscall.ForkExec resets every Go-handled signal
//     (this one included) to SIG_DFL in the child before exec, and exec resets
//     caught signals anyway.
//   - signal.Ignore(syscall.SIGCHLD) replaces the handler with SIG_IGN. The
//     kernel then reaps children automatically (exec.Cmd.Wait fails with
//     "no child processes"), and the runtime forgets that it handles SIGCHLD:
//     a later signal.Reset(syscall.SIGCHLD) leaves SIG_IGN in place, while a
//     later signal.Notify(c, syscall.SIGCHLD) re-installs the runtime's own
//     handler, not this one. [Check] reports [ErrOverwritten]; call Install
//     again (after [Uninstall]) to take SIGCHLD back.
//   - Any cgo code that calls sigaction(SIGCHLD) replaces it, and so does a
//     raw rt_sigaction from any other package. [Check] detects it.
//
// Nothing is checked automatically: an application that lets foreign code
// touch SIGCHLD should call [Check] when it suspects a lost wakeup.
//
// # Fork
//
// A child that forks without exec inherits the handler and the snapshot.
// noexec.PostforkChild resets SIGCHLD to SIG_DFL with one raw
// system call, so the handler never runs there; nothing in this package may
// be used in such a child.
package rawsig
