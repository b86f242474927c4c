//go:build unix && !linux

package childproc

import (
	"errors"
	"fmt"
)

var errNoTerminal = fmt.Errorf("childproc: terminals: %w on this system (Linux only)", errors.ErrUnsupported)

func openTerminal(int, int) (int, int, error) { return -1, -1, errNoTerminal }

func setTerminalSize(int, int, int) error { return errNoTerminal }
