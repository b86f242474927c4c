package child

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStaticTrue runs this architecture's static true (or /bin/true where
// there is none) and checks that it exits 0.
func TestStaticTrue(t *testing.T) {
	path, desc, err := WriteStaticTrue(t.TempDir())
	require.NoError(t, err)
	t.Log(path, desc)
	if !HasStaticTrue() {
		assert.Equal(t, TruePath, path, "the fallback")
	}
	for _, pidfd := range []bool{false, true} {
		pid, fd, err := SpawnNull(path, []string{"true"}, pidfd)
		require.NoError(t, err)
		closeAll(fd)
		ws, err := Reap(pid)
		require.NoError(t, err)
		assert.True(t, ws.Exited() && ws.ExitStatus() == 0, "%s ended %v; want exit 0", path, ws)
	}
	assert.NoError(t, testutil.NoChildren())
}

// TestStaticTrueImages checks every architecture's image with debug/elf
// (the ELF facts the kernel reads) and decodes its code: the one that
// cannot run here is at least well-formed and says what it should.
func TestStaticTrueImages(t *testing.T) {
	for goarch, want := range map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64} {
		t.Run(goarch, func(t *testing.T) {
			img := staticTrueELF(goarch)
			require.NotNil(t, img)
			code := checkImage(t, img, want)
			if goarch == "arm64" {
				checkARM64Exit0(t, code)
			} else {
				assert.Equal(t, []byte{0xb8, 0xe7, 0, 0, 0, 0x31, 0xff, 0x0f, 0x05}, code, "mov eax, 231; xor edi, edi; syscall")
			}
		})
	}
	assert.Nil(t, staticTrueELF("riscv64"), "an architecture without an image")
	checkImage(t, blockerELF(), elf.EM_X86_64)
}

// checkImage parses img as the kernel would load it and returns the code
// at its entry point.
func checkImage(t *testing.T, img []byte, machine elf.Machine) []byte {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(img))
	require.NoError(t, err)
	assert.Equal(t, elf.ELFCLASS64, f.Class)
	assert.Equal(t, elf.ELFDATA2LSB, f.Data)
	assert.Equal(t, elf.ET_EXEC, f.Type)
	assert.Equal(t, machine, f.Machine)
	require.Len(t, f.Progs, 1, "program headers")
	p := f.Progs[0]
	assert.Equal(t, elf.PT_LOAD, p.Type)
	assert.Equal(t, elf.PF_R|elf.PF_X, p.Flags)
	assert.Zero(t, p.Off, "the segment maps the file from its start")
	assert.Equal(t, uint64(len(img)), p.Filesz)
	assert.Equal(t, p.Filesz, p.Memsz)
	require.NotZero(t, p.Align)
	assert.Zero(t, p.Vaddr%p.Align, "vaddr aligned to p_align")
	assert.Zero(t, p.Align&(p.Align-1), "p_align a power of two")
	require.True(t, f.Entry > p.Vaddr && f.Entry < p.Vaddr+p.Memsz, "entry %#x outside the segment", f.Entry)
	return img[f.Entry-p.Vaddr:]
}

// checkARM64Exit0 decodes the three instructions the arm64 image must be:
// MOVZ x0, #0; MOVZ x8, #94 (exit_group); SVC #0.
func checkARM64Exit0(t *testing.T, code []byte) {
	t.Helper()
	require.Len(t, code, 12, "three instructions")
	word := func(i int) uint32 { return binary.LittleEndian.Uint32(code[4*i:]) }
	movz := func(w uint32) (rd, imm uint32, ok bool) {
		// MOVZ (64-bit, shift 0): sf=1 opc=10 100101 hw=00 imm16 Rd.
		return w & 31, (w >> 5) & 0xffff, w&0xffe00000 == 0xd2800000
	}
	rd, imm, ok := movz(word(0))
	assert.True(t, ok && rd == 0 && imm == 0, "first: %#08x, want movz x0, #0", word(0))
	rd, imm, ok = movz(word(1))
	assert.True(t, ok && rd == 8 && imm == 94, "second: %#08x, want movz x8, #94", word(1))
	// SVC: 11010100 000 imm16 000 01.
	assert.True(t, word(2)&0xffe0001f == 0xd4000001 && (word(2)>>5)&0xffff == 0, "third: %#08x, want svc #0", word(2))
}

// TestStaticTrueARM64 runs the arm64 image under qemu-aarch64 (user mode)
// when that is installed: the test that it really exits 0 on arm64.
func TestStaticTrueARM64(t *testing.T) {
	qemu, err := exec.LookPath("qemu-aarch64")
	if err != nil {
		t.Skip("qemu-aarch64 not installed")
	}
	path := filepath.Join(t.TempDir(), "true-arm64")
	require.NoError(t, os.WriteFile(path, staticTrueELF("arm64"), 0o755))
	out, err := exec.Command(qemu, path).CombinedOutput()
	assert.NoError(t, err, "qemu-aarch64 %s: %s", path, out)
}
