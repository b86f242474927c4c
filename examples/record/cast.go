package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"time"
	"unicode/utf8"
)

// header is the first line of an asciicast v2 file.
type header struct {
	Version   int               `json:"version"` // always 2
	Width     int               `json:"width"`
	Height    int               `json:"height"`
	Timestamp int64             `json:"timestamp"` // the start, in Unix seconds
	Command   string            `json:"command,omitempty"`
	Title     string            `json:"title,omitempty"`
	Env       map[string]string `json:"env,omitempty"` // TERM and SHELL
}

// cast writes an asciicast v2 recording: the header line, then one line
// per chunk of output, [seconds since the start, "o", data]. Each line is
// one Write, made as the chunk comes, so a recording cut short (the
// recorder killed) is still readable up to there. A cast is used on the
// loop goroutine only.
type cast struct {
	w     io.Writer
	start time.Time // the events' time zero

	carry []byte        // an incomplete UTF-8 sequence that ended the last chunk
	data  []byte        // carry and the new chunk; reused
	line  bytes.Buffer  // the event being encoded; reused
	enc   *json.Encoder // on line

	bytes  int64 // output bytes recorded
	events int   // event lines written
	err    error // the first write error; nothing is written after it
}

// newCast writes h to w and returns the cast for the events that follow,
// timed from start.
func newCast(w io.Writer, h header, start time.Time) (*cast, error) {
	c := &cast{w: w, start: start}
	c.enc = json.NewEncoder(&c.line)
	c.enc.SetEscapeHTML(false) // "<" as it is, not "\u003c": the file is no web page
	h.Version = 2
	if err := c.enc.Encode(h); err != nil {
		return nil, err
	}
	if _, err := w.Write(c.line.Bytes()); err != nil {
		return nil, err
	}
	return c, nil
}

// output records p, read from the terminal at time at. A read may end in
// the middle of a multi-byte UTF-8 character, which JSON strings cannot
// hold half of: the incomplete tail waits for the next chunk, so that the
// character is written whole, in the event of the chunk that completes it.
func (c *cast) output(p []byte, at time.Time) {
	c.bytes += int64(len(p))
	c.data = append(append(c.data[:0], c.carry...), p...)
	whole, rest := splitUTF8(c.data)
	c.carry = append(c.carry[:0], rest...)
	if len(whole) > 0 {
		c.event(at, whole)
	}
}

// flush writes what is carried, at the end: a tail that never completed
// is invalid, and encoding/json writes each of its bytes as U+FFFD.
func (c *cast) flush(at time.Time) {
	if len(c.carry) > 0 {
		c.event(at, c.carry)
		c.carry = c.carry[:0]
	}
}

// event writes one output event. The time has microseconds, as
// asciinema's own recordings do; rounding keeps the times non-decreasing.
func (c *cast) event(at time.Time, data []byte) {
	if c.err != nil {
		return
	}
	c.line.Reset()
	t := json.Number(strconv.FormatFloat(at.Sub(c.start).Seconds(), 'f', 6, 64))
	// Invalid UTF-8 (a program printing binary) becomes U+FFFD here.
	if c.err = c.enc.Encode([]any{t, "o", string(data)}); c.err != nil {
		return
	}
	if _, c.err = c.w.Write(c.line.Bytes()); c.err == nil {
		c.events++
	}
}

// splitUTF8 splits p before an incomplete UTF-8 sequence that ends it:
// rest is a lead byte and fewer continuation bytes than it announces
// (at most three bytes), or empty. Invalid bytes are not held back, as
// nothing could complete them.
func splitUTF8(p []byte) (whole, rest []byte) {
	for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax+1; i-- {
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				return p[:i], p[i:]
			}
			break
		}
	}
	return p, nil
}
