package peerrun

import (
	"strings"
	"testing"

	"github.com/childloop/childloop/bench/internal/harness"
)

func TestParse(t *testing.T) {
	in := `{"pid":12,"ns":3400}
{"pid":13,"ns":5600}
{"summary":{"mode":"latency","runtime":"x 1","n":2,"elapsed_ns":9}}
`
	var seen int
	s, sum, err := Parse(strings.NewReader(in), func(harness.Sample) { seen++ })
	if err != nil || len(s) != 2 || s[1].Pid != 13 || s[1].Latency != 5600 || sum.N != 2 || sum.Runtime != "x 1" || seen != 2 {
		t.Fatalf("Parse = %v %+v %v (seen %d)", s, sum, err, seen)
	}
}

func TestParseErrors(t *testing.T) {
	for name, in := range map[string]string{
		"empty":          "",
		"no summary":     `{"pid":1,"ns":2}`,
		"after summary":  "{\"summary\":{\"n\":0}}\n{\"pid\":1,\"ns\":2}",
		"zero pid":       "{\"pid\":0,\"ns\":2}\n{\"summary\":{}}",
		"negative ns":    "{\"pid\":3,\"ns\":-2}\n{\"summary\":{}}",
		"not json":       "hello\n{\"summary\":{}}",
		"unknown object": "{\"x\":1}\n{\"summary\":{}}",
	} {
		if _, _, err := Parse(strings.NewReader(in), nil); err == nil {
			t.Errorf("%s: Parse accepted %q", name, in)
		}
	}
}
