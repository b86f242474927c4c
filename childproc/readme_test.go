package childproc_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReadmeUseIsExample keeps the README's usage snippet identical to the
// body of Example (which `go test` compiles and runs, checking its output),
// so the front door cannot rot.
func TestReadmeUseIsExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	src, err := os.ReadFile("example_test.go")
	require.NoError(t, err)

	body := between(t, string(src), "func Example() {\n", "\t// Output:")
	main := between(t, string(readme), "func main() {\n", "}\n```")
	require.Equal(t, strings.TrimRight(body, "\n"), strings.TrimRight(main, "\n"),
		"README's main body and childproc.Example differ: edit both")
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
