package child

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/childloop/childloop/internal/elfmin"
)

// The many section's children: a program that blocks in read(0) until EOF
// (or an error) and then exits 0. Tens of thousands of them live at once,
// so each should cost the kernel's own minimum: on amd64 it is a 148-byte
// static ELF written by WriteBlocker (no libc, no loader, one page mapped;
// /bin/cat maps libc and the loader and dirties pages of each). Elsewhere
// it is /bin/cat.

// blockerCode is the amd64 program:
//
//	loop: xor eax, eax      ; read(0, rsp, 1)
//	      xor edi, edi
//	      mov rsi, rsp
//	      mov edx, 1
//	      syscall
//	      test rax, rax
//	      jg loop           ; a byte: read again
//	      mov eax, 60       ; exit(0) on EOF or error
//	      xor edi, edi
//	      syscall
var blockerCode = []byte{
	0x31, 0xc0,
	0x31, 0xff,
	0x48, 0x89, 0xe6,
	0xba, 0x01, 0x00, 0x00, 0x00,
	0x0f, 0x05,
	0x48, 0x85, 0xc0,
	0x7f, 0xed, // jg -19: back to loop
	0xb8, 0x3c, 0x00, 0x00, 0x00,
	0x31, 0xff,
	0x0f, 0x05,
}

// blockerELF returns the amd64 image (internal/elfmin).
func blockerELF() []byte { return elfmin.Build(elfmin.AMD64, blockerCode) }

// WriteBlocker returns the path of the many section's child program,
// writing it into dir on amd64 (CatPath elsewhere), and a short
// description for the tables. The program takes no arguments, blocks in
// read(0) until EOF and exits 0.
func WriteBlocker(dir string) (path, desc string, err error) {
	if runtime.GOARCH != "amd64" {
		return CatPath, CatPath, nil
	}
	path = filepath.Join(dir, "blocker")
	if err := os.WriteFile(path, blockerELF(), 0o755); err != nil {
		return "", "", fmt.Errorf("child: writing the blocker: %w", err)
	}
	return path, fmt.Sprintf("a %d-byte static ELF blocked in read(0)", len(blockerELF())), nil
}
