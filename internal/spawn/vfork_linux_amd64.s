// clone(2) and clone3(2) with CLONE_VFORK on linux/amd64. See vfork_linux.go.

#include "textflag.h"

// func vforkSyscall(trap, a1, a2, a3 uintptr) (r1, errno uintptr)
//
// The system call trap with arguments a1, a2, a3 (and 0 for the fourth and
// fifth): clone(flags, 0, ptid, 0, 0) or clone3(args, size).
//
// The child returns from this function first, on the parent's stack, and
// then calls other functions that overwrite the stack below the caller's
// frame, where CALL left this function's return address. So the return
// address is popped into R12 before the system call and pushed back after
// it: each task keeps its own copy in its own registers. The function has no
// frame, so nothing else of it lives below the caller's SP; the arguments
// are read before the pop and the results written after the push, while SP
// is what the FP offsets assume.
TEXT ·vforkSyscall(SB),NOSPLIT|NOFRAME,$0-48
	MOVQ	a1+8(FP), DI
	MOVQ	a2+16(FP), SI
	MOVQ	a3+24(FP), DX
	MOVQ	$0, R10
	MOVQ	$0, R8
	MOVQ	trap+0(FP), AX
	POPQ	R12
	SYSCALL
	PUSHQ	R12
	CMPQ	AX, $0xfffffffffffff001
	JLS	ok
	NEGQ	AX
	MOVQ	$0, r1+32(FP)
	MOVQ	AX, errno+40(FP)
	RET
ok:
	MOVQ	AX, r1+32(FP)
	MOVQ	$0, errno+40(FP)
	RET
