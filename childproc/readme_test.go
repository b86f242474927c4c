package childproc_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReadmeGoBlocksAreExamples keeps every Go block of the README
// identical to the body of a runnable Example of one of the packages
// (which `go test` compiles and runs, checking its output), so the front
// door cannot rot: a program's main body, or a fragment, must be an
// Example's body.
func TestReadmeGoBlocksAreExamples(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```\n").FindAllStringSubmatch(string(readme), -1)
	require.NotEmpty(t, blocks, "the README has no Go block")
	bodies := exampleBodies(t)
	for _, b := range blocks {
		code := b[1]
		if i := strings.Index(code, "func main() {\n"); i >= 0 {
			code = between(t, code, "func main() {\n", "\n}\n")
		}
		code = strings.TrimRight(code, "\n")
		_, ok := bodies[code]
		require.True(t, ok, "this README Go block is not the body of any Example; edit both:\n%s", code)
	}
}

// exampleBodies returns the bodies of the Example functions of the
// module's packages, without their Output comments.
func exampleBodies(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("../*/example*_test.go")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	start := regexp.MustCompile(`(?m)^func Example\w*\(\) \{\n`)
	bodies := map[string]bool{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		s := string(src)
		for _, loc := range start.FindAllStringIndex(s, -1) {
			rest := s[loc[1]:]
			end := strings.Index(rest, "\n}\n")
			require.GreaterOrEqual(t, end, 0, "%s: an Example without its closing brace", f)
			body := rest[:end+1]
			if i := strings.Index(body, "\t// Output:"); i >= 0 {
				body = body[:i]
			}
			bodies[strings.TrimRight(body, "\n")] = true
		}
	}
	return bodies
}

// between returns the text of s after start and before the next end.
func between(t *testing.T, s, start, end string) string {
	t.Helper()
	i := strings.Index(s, start)
	require.GreaterOrEqual(t, i, 0, "%q not found", start)
	s = s[i+len(start):]
	j := strings.Index(s, end)
	require.GreaterOrEqual(t, j, 0, "%q not found", end)
	return s[:j]
}
