package reaplat

import (
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
