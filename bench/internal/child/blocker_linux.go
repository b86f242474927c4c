package child

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// The many section's children: a program that blocks in read(0) until EOF
// (or an error) and then exits 0. Tens of thousands of them live at once,
// so each should cost the kernel's own minimum: on amd64 it is a 148-byte
// static ELF written by WriteBlocker (no libc, no loader, one page mapped;
// /bin/cat maps libc and the loader and dirties pages of each). Elsewhere
// it is /bin/cat.

// blockerCode is the amd64 program, loaded at blockerBase:
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

const blockerBase = 0x400000

// blockerELF returns the amd64 ELF image: the ELF header, one PT_LOAD
// program header mapping the whole file read+execute, then the code.
func blockerELF() []byte {
	const ehdr, phdr = 64, 56
	size := ehdr + phdr + len(blockerCode)
	b := make([]byte, size)
	le := binary.LittleEndian
	copy(b, "\x7fELF")
	b[4], b[5], b[6] = 2, 1, 1 // 64-bit, little endian, ELF version 1
	le.PutUint16(b[16:], 2)    // ET_EXEC
	le.PutUint16(b[18:], 62)   // EM_X86_64
	le.PutUint32(b[20:], 1)
	le.PutUint64(b[24:], blockerBase+ehdr+phdr) // entry
	le.PutUint64(b[32:], ehdr)                  // program headers' offset
	le.PutUint16(b[52:], ehdr)
	le.PutUint16(b[54:], phdr)
	le.PutUint16(b[56:], 1) // one program header
	p := b[ehdr:]
	le.PutUint32(p[0:], 1)            // PT_LOAD
	le.PutUint32(p[4:], 5)            // PF_R|PF_X
	le.PutUint64(p[16:], blockerBase) // vaddr
	le.PutUint64(p[24:], blockerBase) // paddr
	le.PutUint64(p[32:], uint64(size))
	le.PutUint64(p[40:], uint64(size))
	le.PutUint64(p[48:], 0x1000)
	copy(b[ehdr+phdr:], blockerCode)
	return b
}

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
