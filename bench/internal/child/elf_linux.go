package child

import "encoding/binary"

// The benchmark's smallest children are static ELF executables built here,
// at run time, rather than shipped as binaries: a 64-bit little-endian
// ET_EXEC whose one PT_LOAD segment maps the whole file (headers and code)
// read+execute at elfBase, the entry point being the first code byte. No
// libc, no dynamic loader, no PT_INTERP: exec maps one page and jumps to
// the code, which makes only the system calls it spells out.

// elfArch is what such an image needs to know about its machine.
type elfArch struct {
	machine uint16 // e_machine
	align   uint64 // p_align: the architecture's largest page size
}

var (
	elfAMD64 = elfArch{machine: 62, align: 0x1000}   // EM_X86_64
	elfARM64 = elfArch{machine: 183, align: 0x10000} // EM_AARCH64; kernels may use 64 KiB pages
)

// elfBase is where the image is loaded: a multiple of every page size, and
// the traditional start of a static executable's text.
const elfBase = 0x400000

// Sizes of the two headers of a 64-bit ELF.
const elfHeader, elfProgHeader = 64, 56

// staticELF returns the image of code for arch.
func staticELF(arch elfArch, code []byte) []byte {
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
