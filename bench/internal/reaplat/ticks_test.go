package reaplat

import "testing"

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
