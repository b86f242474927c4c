package testutil

import (
	"sync"
	"testing"
	"time"
)

func TestRecorder(t *testing.T) {
	r := NewRecorder[string]()
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() { r.Add(i%10, "x") })
	}
	r.Wait(t, 100, 10*time.Second)
	wg.Wait()
	if got := len(r.Of(3)); got != 10 {
		t.Fatalf("Of(3) has %d reports, want 10", got)
	}
	if got := len(r.All()); got != 10 {
		t.Fatalf("All has %d keys, want 10", got)
	}
	go func() {
		time.Sleep(10 * time.Millisecond)
		r.Add(42, "late")
	}()
	if got := r.WaitKey(t, 42, 10*time.Second); got != "late" {
		t.Fatalf("WaitKey(42) = %q", got)
	}
	all := r.All()
	all[42][0] = "changed"
	if r.Of(42)[0] != "late" {
		t.Fatal("All shares its slices with the recorder")
	}
}
