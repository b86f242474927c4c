package exec

import (
	"strconv"
)

// headTail is the writer Output gives a nil Stderr: it keeps the first n
// and the last n bytes written, and counts what fell between, so that
// ExitError.Stderr holds what a person needs without growing unbounded.
type headTail struct {
	n       int
	head    []byte
	tail    []byte // the last bytes: a ring once it holds n
	next    int    // where the ring writes next (0 until it wraps)
	dropped int64
}

func (w *headTail) Write(p []byte) (int, error) {
	total := len(p)
	if room := w.n - len(w.head); room > 0 {
		k := min(room, len(p))
		w.head = append(w.head, p[:k]...)
		p = p[k:]
	}
	if len(p) >= w.n {
		// p alone refills the tail: everything before its last n bytes
		// is dropped.
		w.dropped += int64(len(w.tail) + len(p) - w.n)
		w.tail = append(w.tail[:0], p[len(p)-w.n:]...)
		w.next = 0
		return total, nil
	}
	if room := w.n - len(w.tail); room > 0 {
		k := min(room, len(p))
		w.tail = append(w.tail, p[:k]...)
		p = p[k:]
	}
	for len(p) > 0 {
		k := copy(w.tail[w.next:], p)
		p = p[k:]
		w.dropped += int64(k)
		w.next = (w.next + k) % w.n
	}
	return total, nil
}

// Bytes returns the head, then the tail; when bytes were dropped between
// them, a line saying how many stands in their place (os/exec's words).
func (w *headTail) Bytes() []byte {
	if w.tail == nil {
		return w.head // nil when nothing was written, as os/exec's
	}
	out := make([]byte, 0, len(w.head)+len(w.tail)+40)
	out = append(out, w.head...)
	if w.dropped > 0 {
		out = append(out, "\n... omitting "...)
		out = strconv.AppendInt(out, w.dropped, 10)
		out = append(out, " bytes ...\n"...)
	}
	out = append(out, w.tail[w.next:]...)
	return append(out, w.tail[:w.next]...)
}
