// Package elfmin builds the smallest static ELF executables at run time,
// rather than shipping them as binaries: the library's rlimit probe child
// and the benchmark's tiny children.
package elfmin

import "encoding/binary"

// Each image is a 64-bit little-endian
// ET_EXEC whose one PT_LOAD segment maps the whole file (headers and code)
// read+execute at elfBase, the entry point being the first code byte. No
// libc, no dynamic loader, no PT_INTERP: exec maps one page and jumps to
// the code, which makes only the system calls it spells out.

// Arch is what such an image needs to know about its machine.
type Arch struct {
	machine uint16 // e_machine
	align   uint64 // p_align: the architecture's largest page size
}

// The machines images are built for.
var (
	AMD64 = Arch{machine: 62, align: 0x1000}   // EM_X86_64
	ARM64 = Arch{machine: 183, align: 0x10000} // EM_AARCH64; kernels may use 64 KiB pages
)

// elfBase is where the image is loaded: a multiple of every page size, and
// the traditional start of a static executable's text.
const elfBase = 0x400000

// Sizes of the two headers of a 64-bit ELF.
const elfHeader, elfProgHeader = 64, 56

// Build returns the image of code for arch.
func Build(arch Arch, code []byte) []byte {
	size := elfHeader + elfProgHeader + len(code)
	b := make([]byte, size)
	le := binary.LittleEndian
	copy(b, "\x7fELF")
	b[4], b[5], b[6] = 2, 1, 1 // 64-bit, little endian, ELF version 1
	le.PutUint16(b[16:], 2)    // ET_EXEC
	le.PutUint16(b[18:], arch.machine)
	le.PutUint32(b[20:], 1)
	le.PutUint64(b[24:], elfBase+elfHeader+elfProgHeader) // entry
	le.PutUint64(b[32:], elfHeader)                       // program headers' offset
	le.PutUint16(b[52:], elfHeader)
	le.PutUint16(b[54:], elfProgHeader)
	le.PutUint16(b[56:], 1) // one program header
	p := b[elfHeader:]
	le.PutUint32(p[0:], 1)        // PT_LOAD
	le.PutUint32(p[4:], 5)        // PF_R|PF_X
	le.PutUint64(p[16:], elfBase) // vaddr
	le.PutUint64(p[24:], elfBase) // paddr
	le.PutUint64(p[32:], uint64(size))
	le.PutUint64(p[40:], uint64(size))
	le.PutUint64(p[48:], arch.align)
	copy(b[elfHeader+elfProgHeader:], code)
	return b
}

// exitZero is the program that exits 0 at once, per GOARCH.
var exitZero = map[string]struct {
	arch Arch
	code []byte
}{
	// mov eax, 231 (exit_group); xor edi, edi; syscall
	"amd64": {AMD64, []byte{
		0xb8, 0xe7, 0x00, 0x00, 0x00,
		0x31, 0xff,
		0x0f, 0x05,
	}},
	// movz x0, #0; movz x8, #94 (exit_group); svc #0 — little-endian words
	"arm64": {ARM64, []byte{
		0x00, 0x00, 0x80, 0xd2,
		0xc8, 0x0b, 0x80, 0xd2,
		0x01, 0x00, 0x00, 0xd4,
	}},
}

// ExitZero returns the image of a program that calls exit_group(0) and
// nothing else, for goarch (amd64 and arm64), or nil.
func ExitZero(goarch string) []byte {
	p, ok := exitZero[goarch]
	if !ok {
		return nil
	}
	return Build(p.arch, p.code)
}
