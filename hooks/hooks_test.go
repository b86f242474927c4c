package hooks

import (
	"errors"
	"syscall"
	"testing"
)

func TestEventsString(t *testing.T) {
	for ev, want := range map[Events]string{
		0:            "0",
		In:           "In",
		In | Out:     "In|Out",
		Err | Hup:    "Err|Hup",
		Nval | 0x100: "Nval|0x100",
		Requestable:  "In|Pri|Out",
		0x8000 | Pri: "Pri|0x8000",
	} {
		if got := ev.String(); got != want {
			t.Errorf("Events(%#x).String() = %q, want %q", uint16(ev), got, want)
		}
	}
}

func TestStatus(t *testing.T) {
	// Linux wait status encoding: exit code in bits 8-15, signal in 0-6,
	// core flag 0x80.
	exit3 := syscall.WaitStatus(3 << 8)
	killed := syscall.WaitStatus(syscall.SIGKILL)
	cored := syscall.WaitStatus(syscall.SIGABRT) | 0x80
	for _, tc := range []struct {
		st      Status
		str     string
		exited  bool
		success bool
	}{
		{StatusFromWait(0), "exit 0", true, true},
		{StatusFromWait(exit3), "exit 3", true, false},
		{StatusFromWait(killed), "signal killed", false, false},
		{StatusFromWait(cored), "signal aborted (core dumped)", false, false},
		{Status{Err: errors.New("gone")}, "status lost: gone", false, false},
	} {
		if got := tc.st.String(); got != tc.str {
			t.Errorf("%+v: String() = %q, want %q", tc.st, got, tc.str)
		}
		if tc.st.Exited() != tc.exited || tc.st.Success() != tc.success {
			t.Errorf("%v: Exited %v Success %v", tc.st, tc.st.Exited(), tc.st.Success())
		}
	}
	if st := StatusFromWait(cored); st.Signal != syscall.SIGABRT || !st.CoreDumped {
		t.Errorf("core status decoded as %+v", st)
	}
}

func TestChildMode(t *testing.T) {
	for m, want := range map[ChildMode]string{LibraryOwned: "LibraryOwned", Always: "Always",
		AlwaysSelective: "AlwaysSelective", Mainloop: "Mainloop", 9: "ChildMode(9)"} {
		if m.String() != want {
			t.Errorf("%d: %q", int(m), m.String())
		}
		if m.Valid() != (m != 9) {
			t.Errorf("%v.Valid() = %v", m, m.Valid())
		}
	}
}
