// Package human formats what the example programs print for people.
package human

import "time"

// Duration rounds d for reading: to 10µs below a millisecond, to 1ms below
// a second, to 100ms above ("3ms", "207ms", "1.4s").
func Duration(d time.Duration) time.Duration {
	switch {
	case d < time.Millisecond:
		return d.Round(10 * time.Microsecond)
	case d < time.Second:
		return d.Round(time.Millisecond)
	default:
		return d.Round(100 * time.Millisecond)
	}
}
