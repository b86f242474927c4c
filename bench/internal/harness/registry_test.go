package harness

import (
	"context"
	"regexp"
	"testing"
)

type fake struct {
	name  string
	order int
}

func (f fake) Name() string     { return f.name }
func (f fake) Available() error { return nil }
func (f fake) Order() int       { return f.order }
func (f fake) Latency(context.Context, LatencyConfig) ([]Sample, error) {
	return nil, nil
}

func TestRegistryOrderAndFilter(t *testing.T) {
	mu.Lock()
	saved := registry
	registry = nil
	mu.Unlock()
	t.Cleanup(func() { mu.Lock(); registry = saved; mu.Unlock() })

	Register(fake{"b", 100})
	Register(fake{"a", 100})
	Register(fake{"floor", 10})
	var names []string
	for _, m := range Methods(nil) {
		names = append(names, m.Name())
	}
	if got, want := names, []string{"floor", "b", "a"}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("Methods(nil) = %v, want %v", got, want)
	}
	if got := Methods(regexp.MustCompile("^a$")); len(got) != 1 || got[0].Name() != "a" {
		t.Errorf("filtered = %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("duplicate Register did not panic")
		}
	}()
	Register(fake{"a", 1})
}
