//go:build unix && !linux

package sysfd

// wakeBytes is the one byte a wake writes to the pipe.
var wakeBytes = [1]byte{1}

// NewWaker creates a pipe, both ends non-blocking and close-on-exec.
func NewWaker() (Waker, error) {
	r, w, err := Pipe(true)
	if err != nil {
		return Waker{-1, -1}, err
	}
	return Waker{r, w}, nil
}
