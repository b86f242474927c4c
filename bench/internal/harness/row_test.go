package harness

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSelectKeepsTableOrder(t *testing.T) {
	rows := []Row{{Name: "b"}, {Name: "a"}, {Name: "ab"}}
	var got []string
	for _, r := range Select(rows, regexp.MustCompile("a")) {
		got = append(got, r.Name)
	}
	assert.Equal(t, []string{"a", "ab"}, got, "Select(a)")
	if all := Select(rows, nil); assert.Len(t, all, 3, "Select(nil)") {
		assert.Equal(t, "b", all[0].Name, "Select(nil): first row")
	}
}

func TestCheck(t *testing.T) {
	assert.NoError(t, (Row{}).Check(), "Row without Available")
	missing := Row{Available: func() error { return ErrNotInstalled }}
	assert.ErrorIs(t, missing.Check(), ErrNotInstalled, "Check")
}
