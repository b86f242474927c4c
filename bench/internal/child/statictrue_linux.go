package child

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// The throughput section's second child: a static program that exits 0 at
// once. /bin/true spends nearly all of its CPU in the dynamic loader and
// libc's start-up, which hides what the parent spends per child; this one
// makes a single system call, so the parent's own cost (spawn, notice,
// reap) is most of what is left.

// staticTrue is the program of each architecture it exists for (GOARCH),
// with the ELF facts it is built with.
var staticTrue = map[string]struct {
	arch elfArch
	code []byte
}{
	// mov eax, 231 (exit_group); xor edi, edi; syscall
	"amd64": {elfAMD64, []byte{
		0xb8, 0xe7, 0x00, 0x00, 0x00,
		0x31, 0xff,
		0x0f, 0x05,
	}},
	// movz x0, #0; movz x8, #94 (exit_group); svc #0 — little-endian words
	"arm64": {elfARM64, []byte{
		0x00, 0x00, 0x80, 0xd2,
		0xc8, 0x0b, 0x80, 0xd2,
		0x01, 0x00, 0x00, 0xd4,
	}},
}

// HasStaticTrue reports whether WriteStaticTrue has a program for this
// architecture (amd64 and arm64).
func HasStaticTrue() bool {
	_, ok := staticTrue[runtime.GOARCH]
	return ok
}

// staticTrueELF returns the image for goarch, or nil.
func staticTrueELF(goarch string) []byte {
	p, ok := staticTrue[goarch]
	if !ok {
		return nil
	}
	return staticELF(p.arch, p.code)
}

// WriteStaticTrue writes the static true into dir and returns its path and
// a short description for the tables. Where HasStaticTrue is false it
// writes nothing and returns TruePath, saying so in desc. The program
// ignores its arguments and environment.
func WriteStaticTrue(dir string) (path, desc string, err error) {
	img := staticTrueELF(runtime.GOARCH)
	if img == nil {
		return TruePath, fmt.Sprintf("%s (no static child for GOARCH=%s, only for amd64 and arm64)", TruePath, runtime.GOARCH), nil
	}
	path = filepath.Join(dir, "true")
	if err := os.WriteFile(path, img, 0o755); err != nil {
		return "", "", fmt.Errorf("child: writing the static true: %w", err)
	}
	return path, fmt.Sprintf("a %d-byte static ELF calling exit_group(0)", len(img)), nil
}
