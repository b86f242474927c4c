package reaplat

import (
	"io"
	"slices"
	"testing"
)

func TestParseOptions(t *testing.T) {
	o, err := ParseOptions(nil, io.Discard)
	if err != nil || o.N != 1000 || o.Rounds != 10 || o.Total != 3000 || o.ScaleMax != 10000 || len(o.Sections) != 3 || o.Methods != nil {
		t.Fatalf("defaults = %+v, %v", o, err)
	}
	if got := o.Levels(); !slices.Equal(got, []int{1, 100, 1000, 10000}) {
		t.Errorf("Levels = %v", got)
	}
	o, err = ParseOptions([]string{"-quick", "-n", "7", "-sections", "scale", "-methods", "pidfd"}, io.Discard)
	if err != nil || o.N != 7 || o.ScaleMax != 100 || !o.Has(SectionScale) || o.Has(SectionLatency) || !o.Methods.MatchString("pidfd + epoll") {
		t.Fatalf("quick = %+v, %v", o, err)
	}
	o, _ = ParseOptions([]string{"-scale-max", "500"}, io.Discard)
	if got := o.Levels(); !slices.Equal(got, []int{1, 100, 500}) {
		t.Errorf("Levels(500) = %v", got)
	}
	for _, bad := range [][]string{{"-sections", "nope"}, {"-methods", "("}, {"-n", "0"}, {"extra"}, {"-rounds", "0"}, {"-total", "2", "-rounds", "3"}} {
		if _, err := ParseOptions(bad, io.Discard); err == nil {
			t.Errorf("ParseOptions(%q) succeeded", bad)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		in := slices.Clone(tc.in)
		if got := median(tc.in); got != tc.want || !slices.Equal(in, tc.in) {
			t.Errorf("median(%v) = %v (input now %v), want %v, input untouched", in, got, tc.in, tc.want)
		}
	}
}
