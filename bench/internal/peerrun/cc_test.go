package peerrun

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBuildC builds a C driver and runs it as a Peer without an
// Interpreter.
func TestBuildC(t *testing.T) {
	if _, err := CCompiler(); err != nil {
		t.Skip(err)
	}
	src := `#include <stdio.h>
int main(int argc, char **argv) {
	printf("{\"summary\":{\"mode\":\"%s\",\"n\":%d,\"elapsed_ns\":1}}\n", argv[1], argc);
	return 0;
}
`
	img, err := BuildC(context.Background(), "x.c", []byte(src))
	require.NoError(t, err)
	_, sum, err := Peer{ScriptName: "x", Script: img, ExtraArgs: []string{"b"}}.Run(context.Background(), []string{"a"}, nil)
	require.NoError(t, err)
	assert.Equal(t, "a", sum.Mode, "argv[1]")
	assert.Equal(t, 3, sum.N, "argc: the program, the args, the extra args")

	_, err = BuildC(context.Background(), "bad.c", []byte("this is not C"))
	assert.ErrorContains(t, err, "bad.c", "a compile error names the file")
}

func TestNoCompiler(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := CCompiler()
	assert.ErrorIs(t, err, ErrNoCompiler)
	_, err = BuildC(context.Background(), "x.c", nil)
	assert.ErrorIs(t, err, ErrNoCompiler)
}
