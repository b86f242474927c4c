package human

import (
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		123456 * time.Nanosecond:         "120µs",
		207400 * time.Microsecond:        "207ms",
		1449 * time.Millisecond:          "1.4s",
		3*time.Second + time.Microsecond: "3s",
	} {
		if got := Duration(d).String(); got != want {
			t.Errorf("Duration(%v) = %s, want %s", d, got, want)
		}
	}
}
