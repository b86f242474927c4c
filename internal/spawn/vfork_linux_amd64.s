// clone(2) with CLONE_VFORK on linux/amd64. See vfork_linux.go.

#include "textflag.h"

#define SYS_clone	56
#define SYS_clone3	435

// func vforkClone(flags, ptid uintptr) (pid, errno uintptr)
//
// The child returns from this function first, on the parent's stack, and
// then calls other functions that overwrite the stack below the caller's
// frame, where CALL left this function's return address. So the return
// address is popped into R12 before the system call and pushed back after
// it: each task keeps its own copy in its own registers. The function has no
// frame, so nothing else of it lives below the caller's SP.
TEXT ·vforkClone(SB),NOSPLIT|NOFRAME,$0-32
	MOVQ	flags+0(FP), DI
	MOVQ	$0, SI		// stack: the child runs on ours
	MOVQ	ptid+8(FP), DX	// parent_tid: where CLONE_PIDFD stores the pidfd
	MOVQ	$0, R10		// child_tid
	MOVQ	$0, R8		// tls
	MOVQ	$SYS_clone, AX
	POPQ	R12
	SYSCALL
	PUSHQ	R12
	CMPQ	AX, $0xfffffffffffff001
	JLS	ok
	NEGQ	AX
	MOVQ	$0, pid+16(FP)
	MOVQ	AX, errno+24(FP)
	RET
ok:
	MOVQ	AX, pid+16(FP)
	MOVQ	$0, errno+24(FP)
	RET

// func vforkClone3(args, size uintptr) (pid, errno uintptr)
//
// clone3(args, size), returning in both tasks as vforkClone does; args
// has no stack, so the child runs on ours.
TEXT ·vforkClone3(SB),NOSPLIT|NOFRAME,$0-32
	MOVQ	args+0(FP), DI
	MOVQ	size+8(FP), SI
	MOVQ	$SYS_clone3, AX
	POPQ	R12
	SYSCALL
	PUSHQ	R12
	CMPQ	AX, $0xfffffffffffff001
	JLS	ok3
	NEGQ	AX
	MOVQ	$0, pid+16(FP)
	MOVQ	AX, errno+24(FP)
	RET
ok3:
	MOVQ	AX, pid+16(FP)
	MOVQ	$0, errno+24(FP)
	RET
