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
	assert.Equal(t, "0 50 100 150 200 250", strings.Join(labels, " "), "labels")
	assert.Nil(t, (roundTicks{}).Ticks(5, 5), "Ticks(5, 5)")
}
