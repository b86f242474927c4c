// The SIGCHLD handler for linux/arm64. See doc.go for what it does and why
// each step is safe on the signal path. It must not allocate, lock, grow the
// stack or call into the Go runtime (other than by chaining to the previous
// handler, which is the runtime's own signal entry point).

#include "textflag.h"

#define SYS_write	64

// sigchldHandler is entered by the kernel with the C ABI (AAPCS64):
// R0 = signal number, R1 = *siginfo, R2 = *ucontext, LR = sigreturn
// trampoline, RSP 16-byte aligned. R28 (g) is never touched: the runtime's
// sigtramp relies on it in non-cgo programs. R18 (platform register) is not
// used. Callee-saved registers used here (R19-R23, R27 which the assembler
// may use as a temporary, R29) and LR are saved in a 64-byte frame.
TEXT ·sigchldHandler(SB),NOSPLIT|NOFRAME,$0-0
	SUB	$64, RSP
	STP	(R29, R30), 0(RSP)
	STP	(R19, R20), 16(RSP)
	STP	(R21, R22), 32(RSP)
	STP	(R23, R27), 48(RSP)
	MOVD	R0, R19		// sig
	MOVD	R1, R20		// info
	MOVD	R2, R21		// ucontext

	// Enter: active[epoch&1]++ with an exclusive load-acquire /
	// store-release loop (no LSE atomics assumed). The following
	// load-acquire of current cannot be reordered before the
	// store-release.
	MOVD	$·epoch(SB), R3
	LDARW	(R3), R4
	AND	$1, R4
	MOVD	$·active(SB), R22
	ADD	R4<<3, R22, R22	// R22 = &active[epoch&1] until the decrement
incr:
	LDAXR	(R22), R4
	ADD	$1, R4
	STLXR	R4, (R22), R5
	CBNZ	R5, incr

	MOVD	$·current(SB), R3
	LDAR	(R3), R23	// &snapshot[0], or 0
	CBZ	R23, leave
	MOVW	(R23), R9	// R9 = n (sign-extended)
	ADD	$4, R23		// R23 = &fd[0]

loop:
	CMP	$0, R9
	BLE	leave
	// write(fd, &wakeByte, 1). SVC clobbers only R0 (the result), which
	// is ignored: EAGAIN means a wakeup is already pending, and any other
	// error is not ours to report. There is no errno to disturb.
	MOVW	(R23), R0
	MOVD	$·wakeByte(SB), R1
	MOVD	$1, R2
	MOVD	$SYS_write, R8
	SVC
	ADD	$4, R23
	SUB	$1, R9
	B	loop

leave:
	// Exit: active[epoch&1]--, with the slot chosen on entry.
decr:
	LDAXR	(R22), R4
	SUB	$1, R4
	STLXR	R4, (R22), R5
	CBNZ	R5, decr

	// Chain to the handler saved by Install, unless it is SIG_DFL (0) or
	// SIG_IGN (1): for SIGCHLD both mean "do nothing".
	MOVD	$·prevHandler(SB), R3
	MOVD	(R3), R4
	CMP	$1, R4
	BLS	done
	MOVD	R19, R0
	MOVD	R20, R1
	MOVD	R21, R2
	CALL	(R4)

done:
	LDP	48(RSP), (R23, R27)
	LDP	32(RSP), (R21, R22)
	LDP	16(RSP), (R19, R20)
	LDP	0(RSP), (R29, R30)
	ADD	$64, RSP
	RET

// func handlerPC() uintptr
TEXT ·handlerPC(SB),NOSPLIT,$0-8
	MOVD	$·sigchldHandler(SB), R0
	MOVD	R0, ret+0(FP)
	RET


// The byte written to every fd.
DATA ·wakeByte+0(SB)/1, $0x21
GLOBL ·wakeByte(SB), RODATA, $1
