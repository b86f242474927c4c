package harness

import (
	"errors"
	"regexp"
	"testing"
)

func TestSelectKeepsTableOrder(t *testing.T) {
	rows := []Row{{Name: "b"}, {Name: "a"}, {Name: "ab"}}
	var got []string
	for _, r := range Select(rows, regexp.MustCompile("a")) {
		got = append(got, r.Name)
	}
	if len(got) != 2 || got[0] != "a" || got[1] != "ab" {
		t.Errorf("Select(a) = %v, want [a ab]", got)
	}
	if all := Select(rows, nil); len(all) != 3 || all[0].Name != "b" {
		t.Errorf("Select(nil) = %v", all)
	}
}

func TestCheck(t *testing.T) {
	if err := (Row{}).Check(); err != nil {
		t.Errorf("Row without Available: %v", err)
	}
	missing := Row{Available: func() error { return ErrNotInstalled }}
	if err := missing.Check(); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("Check = %v", err)
	}
}
