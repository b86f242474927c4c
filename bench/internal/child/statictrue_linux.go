package child

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/childloop/childloop/internal/elfmin"
)

// The throughput section's second child: a static program that exits 0 at
// once. /bin/true spends nearly all of its CPU in the dynamic loader and
// libc's start-up, which hides what the parent spends per child; this one
// makes a single system call, so the parent's own cost (spawn, notice,
// reap) is most of what is left.

// HasStaticTrue reports whether WriteStaticTrue has a program for this
// architecture (amd64 and arm64).
func HasStaticTrue() bool { return staticTrueELF(runtime.GOARCH) != nil }

// staticTrueELF returns the image for goarch, or nil.
func staticTrueELF(goarch string) []byte { return elfmin.ExitZero(goarch) }

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
