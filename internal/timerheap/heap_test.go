package timerheap

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type item struct {
	Timer
	id int
}

func of(x *item) *Timer { return &x.Timer }

// Random arms, re-arms and removals against a sorted model: timers come
// out in deadline order, equal deadlines in arming order.
func TestHeapAgainstModel(t *testing.T) {
	base := time.Unix(1000, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		h := New(of)
		items := make([]*item, 50)
		for i := range items {
			items[i] = &item{id: i}
		}
		type armed struct {
			at  time.Time
			seq int
			id  int
		}
		model := map[int]armed{}
		seq := 0
		for range 300 {
			x := items[rng.IntN(len(items))]
			switch rng.IntN(3) {
			case 0, 1:
				at := base.Add(time.Duration(rng.IntN(20)) * time.Second)
				seq++
				h.Arm(x, at)
				model[x.id] = armed{at, seq, x.id}
			case 2:
				h.Remove(x)
				delete(model, x.id)
			}
			require.Equal(t, len(model), h.Len(), "round %d", round)
		}
		want := make([]armed, 0, len(model))
		for _, a := range model {
			want = append(want, a)
		}
		slices.SortFunc(want, func(a, b armed) int {
			if c := a.at.Compare(b.at); c != 0 {
				return c
			}
			return a.seq - b.seq
		})
		if len(want) > 0 {
			next, ok := h.Next()
			assert.True(t, ok)
			assert.Equal(t, want[0].at, next)
		}
		var got []int
		for {
			x, ok := h.PopDue(base.Add(time.Hour))
			if !ok {
				break
			}
			assert.False(t, x.Armed())
			got = append(got, x.id)
		}
		ids := make([]int, len(want))
		for i, a := range want {
			ids[i] = a.id
		}
		assert.Equal(t, ids, got, "round %d", round)
	}
}

func TestPopDueStopsAtNow(t *testing.T) {
	h := New(of)
	a, b := &item{id: 1}, &item{id: 2}
	now := time.Unix(100, 0)
	h.Arm(a, now)
	h.Arm(b, now.Add(time.Second))
	x, ok := h.PopDue(now)
	require.True(t, ok)
	assert.Equal(t, 1, x.id)
	_, ok = h.PopDue(now)
	assert.False(t, ok, "b is not due")
	h.Clear(nil)
	assert.Zero(t, h.Len())
	assert.False(t, b.Armed())
}
