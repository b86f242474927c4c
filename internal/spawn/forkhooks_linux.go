//go:build linux

package spawn

import _ "unsafe" // go:linkname

// The runtime's fork hooks, the ones syscall.ForkExec uses (gVisor links to
// them and to the system-call hooks below the same way). BeforeFork blocks all signals on the calling thread and
// makes any stack growth check fail until AfterFork, which undoes both in the
// parent. AfterForkInChild resets the signals Go handles to SIG_DFL and
// restores the thread's signal mask; it is //go:nosplit and may run in a
// child that shares the parent's memory.

// BeforeFork is the runtime's syscall.runtime_BeforeFork.
//
//go:linkname BeforeFork syscall.runtime_BeforeFork
func BeforeFork()

// AfterFork is the runtime's syscall.runtime_AfterFork.
//
//go:linkname AfterFork syscall.runtime_AfterFork
func AfterFork()

// AfterForkInChild is the runtime's syscall.runtime_AfterForkInChild.
//
//go:linkname AfterForkInChild syscall.runtime_AfterForkInChild
func AfterForkInChild()

// entersyscallblock is the runtime's: the goroutine enters a system call
// that will block, and its P is handed off at once.
//
//go:linkname entersyscallblock runtime.entersyscallblock
func entersyscallblock()

// exitsyscall is the runtime's: the goroutine leaves the system call and
// waits for a P if its own was taken.
//
//go:linkname exitsyscall runtime.exitsyscall
func exitsyscall()
