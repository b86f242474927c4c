package exec

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// headTail against a plain model: the first n bytes, the last n, and the
// count of what fell between, for writes split every way.
func TestHeadTail(t *testing.T) {
	for _, tc := range []struct {
		n      int
		writes []string
		want   string
	}{
		{2, nil, ""},
		{2, []string{"a"}, "a"},
		{2, []string{"abcd"}, "abcd"},
		{2, []string{"abcde"}, "ab\n... omitting 1 bytes ...\nde"},
		{2, []string{"ab", "cde"}, "ab\n... omitting 1 bytes ...\nde"},
		{2, []string{"a", "b", "c", "d", "e", "f"}, "ab\n... omitting 2 bytes ...\nef"},
		{3, []string{"abcdefghij", "kl", "m"}, "abc\n... omitting 7 bytes ...\nklm"},
		{3, []string{"ab", "cdefghijklmnopq", "rs"}, "abc\n... omitting 13 bytes ...\nqrs"},
		{4, []string{strings.Repeat("x", 100), "yz"}, "xxxx\n... omitting 94 bytes ...\nxxyz"},
	} {
		w := &headTail{n: tc.n}
		for _, s := range tc.writes {
			n, err := w.Write([]byte(s))
			assert.NoError(t, err)
			assert.Equal(t, len(s), n)
		}
		assert.Equal(t, tc.want, string(w.Bytes()), "n=%d writes %q", tc.n, tc.writes)
	}
	assert.Nil(t, (&headTail{n: 2}).Bytes(), "nothing written: nil, as os/exec's")
}
