// clone(2) and clone3(2) with CLONE_VFORK on linux/arm64. See vfork_linux.go.

#include "textflag.h"

// func vforkSyscall(trap, a1, a2, a3 uintptr) (r1, errno uintptr)
//
// The system call trap with arguments a1, a2, a3 (and 0 for the fourth and
// fifth): clone(flags, 0, ptid, 0, 0) or clone3(args, size).
//
// A leaf function without a frame: the return address stays in LR, a
// register, so the child (which returns first, on the parent's stack, and
// then overwrites the stack below the caller's frame) cannot clobber the
// parent's copy.
TEXT ·vforkSyscall(SB),NOSPLIT|NOFRAME,$0-48
	MOVD	a1+8(FP), R0
	MOVD	a2+16(FP), R1
	MOVD	a3+24(FP), R2
	MOVD	$0, R3
	MOVD	$0, R4
	MOVD	trap+0(FP), R8
	SVC
	CMN	$4095, R0
	BCC	ok
	NEG	R0, R0
	MOVD	ZR, r1+32(FP)
	MOVD	R0, errno+40(FP)
	RET
ok:
	MOVD	R0, r1+32(FP)
	MOVD	ZR, errno+40(FP)
	RET
