//go:build unix

package reaplat

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// terminalWidth returns the number of columns of w if it is a terminal: the
// window-size ioctl succeeds only on one (it fails with ENOTTY on files,
// pipes and /dev/null).
func terminalWidth(w io.Writer) (int, bool) {
	f, ok := w.(*os.File)
	if !ok {
		return 0, false
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0, false
	}
	return int(ws.Col), true
}
