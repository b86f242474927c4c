package reaplat

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTicks125(t *testing.T) {
	var labels []string
	for _, tk := range (ticks125{}).Ticks(80, 600) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	require.Equal(t, []string{"100", "200", "500"}, labels, "labels")
	assert.Nil(t, (ticks125{}).Ticks(0, 10), "Ticks(0, 10)")
}

func TestRoundTicks(t *testing.T) {
	var labels []string
	for _, tk := range (roundTicks{}).Ticks(0, 260) {
		labels = append(labels, tk.Label)
	}
	if got, want := strings.Join(labels, " "), "0 50 100 150 200 250"; got != want {
		t.Errorf("labels = %q, want %q", got, want)
	}
	if got := (roundTicks{}).Ticks(5, 5); got != nil {
		t.Errorf("Ticks(5, 5) = %v, want nil", got)
	}
}
