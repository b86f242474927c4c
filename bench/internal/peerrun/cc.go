package peerrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ccNames are the C compilers looked for on PATH, in order.
var ccNames = []string{"cc", "gcc", "clang"}

// ErrNoCompiler is returned by CCompiler when no C compiler is on PATH.
var ErrNoCompiler = errors.New("no C compiler on PATH (cc, gcc or clang)")

// CCompiler returns the path of the C compiler that BuildC uses: the first
// of cc, gcc and clang on PATH.
func CCompiler() (string, error) {
	for _, n := range ccNames {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", ErrNoCompiler
}

// BuildC compiles one C source file, src, named name (e.g. "floor.c"),
// with CCompiler at -O2 in a temporary directory that it removes, and
// returns the executable's image, to be run as a Peer without an
// Interpreter.
func BuildC(ctx context.Context, name string, src []byte) ([]byte, error) {
	cc, err := CCompiler()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "reaplat-cc-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	source := filepath.Join(dir, name)
	if err := os.WriteFile(source, src, 0o644); err != nil {
		return nil, err
	}
	bin := strings.TrimSuffix(source, ".c")
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, cc, "-O2", "-Wall", "-o", bin, source)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s -O2 %s: %w: %s", cc, name, err, strings.TrimSpace(out.String()))
	}
	return os.ReadFile(bin)
}
