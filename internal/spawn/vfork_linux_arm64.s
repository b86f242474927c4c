// clone(2) with CLONE_VFORK on linux/arm64. See vfork_linux.go.

#include "textflag.h"

#define SYS_clone	220
#define SYS_clone3	435

// func vforkClone(flags, ptid uintptr) (pid, errno uintptr)
//
// A leaf function without a frame: the return address stays in LR, a
// register, so the child (which returns first, on the parent's stack, and
// then overwrites the stack below the caller's frame) cannot clobber the
// parent's copy.
TEXT ·vforkClone(SB),NOSPLIT|NOFRAME,$0-32
	MOVD	flags+0(FP), R0
	MOVD	$0, R1		// stack: the child runs on ours
	MOVD	ptid+8(FP), R2	// parent_tid: where CLONE_PIDFD stores the pidfd
	MOVD	$0, R3		// tls
	MOVD	$0, R4		// child_tid
	MOVD	$SYS_clone, R8
	SVC
	CMN	$4095, R0
	BCC	ok
	NEG	R0, R0
	MOVD	ZR, pid+16(FP)
	MOVD	R0, errno+24(FP)
	RET
ok:
	MOVD	R0, pid+16(FP)
	MOVD	ZR, errno+24(FP)
	RET

// func vforkClone3(args, size uintptr) (pid, errno uintptr)
//
// clone3(args, size), a leaf like vforkClone; args has no stack, so the
// child runs on ours.
TEXT ·vforkClone3(SB),NOSPLIT|NOFRAME,$0-32
	MOVD	args+0(FP), R0
	MOVD	size+8(FP), R1
	MOVD	$SYS_clone3, R8
	SVC
	CMN	$4095, R0
	BCC	ok3
	NEG	R0, R0
	MOVD	ZR, pid+16(FP)
	MOVD	R0, errno+24(FP)
	RET
ok3:
	MOVD	R0, pid+16(FP)
	MOVD	ZR, errno+24(FP)
	RET
