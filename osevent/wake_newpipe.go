//go:build unix && !linux

package osevent

import "github.com/childloop/childloop/internal/sysfd"

// newWaker creates a pipe that is close-on-exec and non-blocking before any
// fork+exec can see it (Linux uses an eventfd instead).
func newWaker() (waker, error) {
	r, w, err := sysfd.Pipe(true)
	if err != nil {
		return waker{-1, -1}, err
	}
	return waker{r: r, w: w}, nil
}
