package child

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/childloop/childloop/bench/internal/harness"
	"github.com/childloop/childloop/internal/elfmin"
)

// The pty section's interactive child: it reads one line from its
// terminal, writes it back and exits 0, like sh -c 'read x; echo "$x"'.
// Hundreds live at once, each on a terminal of its own, and the section
// measures the parent: on amd64 it is a static ELF written by
// WriteEchoLine, so that no loader or shell start-up is part of every row's
// wall time. Elsewhere it is the shell.

// echoLineCode is the amd64 program:
//
//	sub rsp, 4096     ; a buffer on the stack
//	xor eax, eax      ; n = read(0, rsp, 4096): one line, the terminal
//	xor edi, edi      ;   being in canonical mode
//	mov rsi, rsp
//	mov edx, 4096
//	syscall
//	mov rdx, rax      ; write(1, rsp, n)
//	mov eax, 1
//	mov edi, 1
//	syscall
//	mov eax, 231      ; exit_group(0)
//	xor edi, edi
//	syscall
var echoLineCode = []byte{
	0x48, 0x81, 0xec, 0x00, 0x10, 0x00, 0x00,
	0x31, 0xc0,
	0x31, 0xff,
	0x48, 0x89, 0xe6,
	0xba, 0x00, 0x10, 0x00, 0x00,
	0x0f, 0x05,
	0x48, 0x89, 0xc2,
	0xb8, 0x01, 0x00, 0x00, 0x00,
	0xbf, 0x01, 0x00, 0x00, 0x00,
	0x0f, 0x05,
	0xb8, 0xe7, 0x00, 0x00, 0x00,
	0x31, 0xff,
	0x0f, 0x05,
}

// echoLineShell is the program where there is no static one.
var echoLineShell = harness.Program{Path: "/bin/sh", Args: []string{"sh", "-c", `read x; echo "$x"`}}

// WriteEchoLine returns the pty section's interactive child, writing it
// into dir on amd64, and a short description for the tables. The program
// reads one line from stdin, writes it to stdout and exits 0; it ignores
// its environment.
func WriteEchoLine(dir string) (prog harness.Program, desc string, err error) {
	if runtime.GOARCH != "amd64" {
		return echoLineShell, fmt.Sprintf("sh -c '%s'", echoLineShell.Args[2]), nil
	}
	img := elfmin.Build(elfmin.AMD64, echoLineCode)
	path := filepath.Join(dir, "echoline")
	if err := os.WriteFile(path, img, 0o755); err != nil {
		return harness.Program{}, "", fmt.Errorf("child: writing echoline: %w", err)
	}
	return harness.Program{Path: path, Args: []string{"echoline"}},
		fmt.Sprintf("a %d-byte static ELF that reads one line, writes it back and exits", len(img)), nil
}
