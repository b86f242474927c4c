package harness

import (
	"context"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
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
	assert.Equal(t, []string{"floor", "b", "a"}, names, "Methods(nil)")
	if got := Methods(regexp.MustCompile("^a$")); assert.Len(t, got, 1, "filtered") {
		assert.Equal(t, "a", got[0].Name(), "filtered")
	}
	assert.Panics(t, func() { Register(fake{"a", 1}) }, "duplicate Register")
}
