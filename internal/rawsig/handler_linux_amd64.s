// The SIGCHLD handler for linux/amd64. See doc.go for what it does and why
// each step is safe on the signal path. It must not allocate, lock, grow the
// stack or call into the Go runtime (other than by chaining to the previous
// handler, which is the runtime's own signal entry point).

#include "textflag.h"

#define SYS_write		1
#define SYS_rt_sigreturn	15

// sigchldHandler is entered by the kernel with the C ABI:
// DI = signal number, SI = *siginfo, DX = *ucontext, SP ≡ 8 (mod 16).
// Registers used: AX, CX, R11 (clobbered by SYSCALL), DX, SI, DI, R8, R9, R10
// are caller-saved; BX, BP, R12-R14 are callee-saved and are pushed. R15 is
// not used (the assembler reserves it in dynamically linked code).
TEXT ·sigchldHandler(SB),NOSPLIT|NOFRAME,$0-0
	PUSHQ	BX
	PUSHQ	BP
	PUSHQ	R12
	PUSHQ	R13
	PUSHQ	R14
	// Return address + 5 pushes = 48 bytes: SP is now 16-byte aligned, as
	// the C ABI requires at the CALL below.
	MOVQ	DI, R12		// sig
	MOVQ	SI, R13		// info
	MOVQ	DX, R14		// ucontext

	// Enter: active[epoch&1]++. LOCK XADD is a full barrier, so the load
	// of current below cannot be performed before the increment is visible.
	MOVL	·epoch(SB), AX
	ANDL	$1, AX
	LEAQ	·active(SB), BX
	LEAQ	(BX)(AX*8), BX	// BX = &active[epoch&1] until the decrement
	MOVQ	$1, AX
	LOCK
	XADDQ	AX, (BX)

	MOVQ	·current(SB), R8	// &snapshot[0], or 0
	TESTQ	R8, R8
	JZ	leave
	MOVLQSX	(R8), R9	// R9 = n
	ADDQ	$4, R8		// R8 = &fd[0]

loop:
	TESTQ	R9, R9
	JLE	leave
	// write(fd, &wakeByte, 1). The kernel preserves every register except
	// AX (result), CX and R11, so R8 and R9 survive. The result is
	// ignored: EAGAIN means a wakeup is already pending, and any other
	// error is not ours to report. There is no errno to disturb.
	MOVLQSX	(R8), DI
	LEAQ	·wakeByte(SB), SI
	MOVQ	$1, DX
	MOVQ	$SYS_write, AX
	SYSCALL
	ADDQ	$4, R8
	DECQ	R9
	JMP	loop

leave:
	// Exit: active[epoch&1]--, with the slot chosen on entry.
	MOVQ	$-1, AX
	LOCK
	XADDQ	AX, (BX)

	// Chain to the handler saved by Install, unless it is SIG_DFL (0) or
	// SIG_IGN (1): for SIGCHLD both mean "do nothing".
	MOVQ	·prevHandler(SB), R10
	CMPQ	R10, $1
	JLS	done
	MOVQ	R12, DI
	MOVQ	R13, SI
	MOVQ	R14, DX
	XORL	AX, AX		// AL = 0 vector registers, as the kernel sets it
	CALL	R10

done:
	POPQ	R14
	POPQ	R13
	POPQ	R12
	POPQ	BP
	POPQ	BX
	RET

// sigreturn__sigaction is the SA_RESTORER stub the handler returns into.
TEXT ·sigreturn__sigaction(SB),NOSPLIT|NOFRAME,$0-0
	MOVQ	$SYS_rt_sigreturn, AX
	SYSCALL
	INT	$3	// not reached

// func handlerPC() uintptr
TEXT ·handlerPC(SB),NOSPLIT,$0-8
	LEAQ	·sigchldHandler(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

// func restorerPC() uintptr
TEXT ·restorerPC(SB),NOSPLIT,$0-8
	LEAQ	·sigreturn__sigaction(SB), AX
	MOVQ	AX, ret+0(FP)
	RET


// The byte written to every fd.
DATA ·wakeByte+0(SB)/1, $0x21
GLOBL ·wakeByte(SB), RODATA, $1
