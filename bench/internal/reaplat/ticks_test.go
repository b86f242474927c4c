package reaplat

import (
	"strings"
	"testing"
)

func TestTicks125(t *testing.T) {
	var labels []string
	for _, tk := range (ticks125{}).Ticks(80, 600) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	want := []string{"100", "200", "500"}
	if len(labels) != len(want) {
		t.Fatalf("labels = %v, want %v", labels, want)
	}
	for i := range want {
		if labels[i] != want[i] {
			t.Fatalf("labels = %v, want %v", labels, want)
		}
	}
	if got := (ticks125{}).Ticks(0, 10); got != nil {
		t.Errorf("Ticks(0, 10) = %v, want nil", got)
	}
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
