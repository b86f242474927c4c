package harness

import (
	"fmt"
	"regexp"
	"slices"
	"sync"
)

// registry holds every registered Method; guarded by mu. Registration
// normally happens in init functions, before any reader.
var (
	mu       sync.Mutex
	registry []Method
)

// Register adds m as a row. It panics if m is nil or its name is already
// registered (API misuse, detected at init time).
func Register(m Method) {
	if m == nil {
		panic("harness: Register(nil)")
	}
	mu.Lock()
	defer mu.Unlock()
	for _, r := range registry {
		if r.Name() == m.Name() {
			panic(fmt.Sprintf("harness: method %q registered twice", m.Name()))
		}
	}
	registry = append(registry, m)
}

// Methods returns the registered methods whose name matches filter (all of
// them when filter is nil), ordered by Order then registration order.
func Methods(filter *regexp.Regexp) []Method {
	mu.Lock()
	all := slices.Clone(registry)
	mu.Unlock()
	slices.SortStableFunc(all, func(a, b Method) int { return order(a) - order(b) })
	out := all[:0]
	for _, m := range all {
		if filter == nil || filter.MatchString(m.Name()) {
			out = append(out, m)
		}
	}
	return out
}

// order is m's Order, or 100.
func order(m Method) int {
	if o, ok := m.(Ordered); ok {
		return o.Order()
	}
	return 100
}

// Floor reports whether m is the floor row.
func Floor(m Method) bool {
	f, ok := m.(IsFloor)
	return ok && f.Floor()
}
