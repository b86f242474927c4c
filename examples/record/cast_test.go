package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// event is one parsed output event.
type event struct {
	t    float64
	data string
}

// parseCast parses a recording strictly: a header object, then event
// lines that are 3-element arrays [number, "o", string] with
// non-decreasing times.
func parseCast(t *testing.T, b []byte) (map[string]any, []event) {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	require.True(t, sc.Scan(), "a header line")
	var h map[string]any
	require.NoError(t, json.Unmarshal(sc.Bytes(), &h), "header %q", sc.Text())
	var evs []event
	for sc.Scan() {
		var raw []json.RawMessage
		require.NoError(t, json.Unmarshal(sc.Bytes(), &raw), "event %q", sc.Text())
		require.Len(t, raw, 3, "event %q", sc.Text())
		var e event
		var kind string
		require.NoError(t, json.Unmarshal(raw[0], &e.t), "time of %q", sc.Text())
		require.NoError(t, json.Unmarshal(raw[1], &kind), "kind of %q", sc.Text())
		require.Equal(t, "o", kind, "event %q", sc.Text())
		require.NoError(t, json.Unmarshal(raw[2], &e.data), "data of %q", sc.Text())
		if len(evs) > 0 {
			require.GreaterOrEqual(t, e.t, evs[len(evs)-1].t, "event %q: times never go back", sc.Text())
		}
		evs = append(evs, e)
	}
	require.NoError(t, sc.Err())
	return h, evs
}

// concat joins the events' data.
func concat(evs []event) string {
	var s strings.Builder
	for _, e := range evs {
		s.WriteString(e.data)
	}
	return s.String()
}

// A multi-byte character split at every byte between two chunks, or over
// three, is written whole, in the event of the chunk that completes it.
func TestCastCarry(t *testing.T) {
	start := time.Now()
	for _, ch := range []string{"é", "€", "😀"} {
		for cut := 1; cut < len(ch); cut++ {
			in := "a" + ch + "b"
			var out bytes.Buffer
			c, err := newCast(&out, header{Width: 80, Height: 24}, start)
			require.NoError(t, err)
			c.output([]byte(in[:1+cut]), start.Add(time.Millisecond))
			c.output([]byte(in[1+cut:]), start.Add(2*time.Millisecond))
			c.flush(start.Add(3 * time.Millisecond))
			_, evs := parseCast(t, out.Bytes())
			assert.Equal(t, []event{{0.001, "a"}, {0.002, ch + "b"}}, evs, "%q cut after %d bytes", ch, cut)
			assert.Equal(t, int64(len(in)), c.bytes)
			assert.Equal(t, 2, c.events)
		}
	}

	// Byte by byte: nothing written until the character is whole.
	var out bytes.Buffer
	c, err := newCast(&out, header{}, start)
	require.NoError(t, err)
	for i, b := range []byte("😀") {
		c.output([]byte{b}, start.Add(time.Duration(i+1)*time.Millisecond))
	}
	_, evs := parseCast(t, out.Bytes())
	assert.Equal(t, []event{{0.004, "😀"}}, evs)
}

// Bytes that no continuation could make valid are not held back; an
// incomplete tail at the end is flushed as U+FFFD.
func TestCastInvalid(t *testing.T) {
	start := time.Now()
	var out bytes.Buffer
	c, err := newCast(&out, header{}, start)
	require.NoError(t, err)
	c.output([]byte("x\xff"), start)                  // never valid
	c.output([]byte("y\xe0\x80"), start)              // 0x80 cannot follow 0xe0
	c.output([]byte("<&>\x1b[0m\r\n\xe2\x82"), start) // "€" without its last byte
	c.flush(start.Add(time.Second))
	_, evs := parseCast(t, out.Bytes())
	assert.Equal(t, []event{
		{0, "x\uFFFD"},
		{0, "y\uFFFD\uFFFD"},
		{0, "<&>\x1b[0m\r\n"},
		{1, "\uFFFD\uFFFD"},
	}, evs)
	assert.Contains(t, out.String(), `"<&>\u001b[0m\r\n"`, "no HTML escaping")
}

func TestSplitUTF8(t *testing.T) {
	for _, tc := range []struct{ in, whole, rest string }{
		{"", "", ""},
		{"abc", "abc", ""},
		{"ab\xc3", "ab", "\xc3"},
		{"ab\xc3\xa9", "ab\xc3\xa9", ""},
		{"\xf0\x9f\x98", "", "\xf0\x9f\x98"},
		{"\x9f\x98\x80", "\x9f\x98\x80", ""}, // continuation bytes alone: invalid
		{"a\xff", "a\xff", ""},
	} {
		whole, rest := splitUTF8([]byte(tc.in))
		assert.Equal(t, tc.whole, string(whole), "%q", tc.in)
		assert.Equal(t, tc.rest, string(rest), "%q", tc.in)
	}
}

func TestShellJoin(t *testing.T) {
	assert.Equal(t, `sh -c 'echo "it'\''s"; exit 3' a=b ''`, shellJoin([]string{"sh", "-c", `echo "it's"; exit 3`, "a=b", ""}))
}
