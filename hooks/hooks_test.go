package hooks

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEventsString(t *testing.T) {
	for ev, want := range map[Events]string{
		0:              "0",
		In:             "In",
		In | Out:       "In|Out",
		Fault | Hup:    "Fault|Hup",
		Nval | 0x100:   "Nval|0x100",
		In | Pri | Out: "In|Pri|Out",
		0x8000 | Pri:   "Pri|0x8000",
	} {
		assert.Equal(t, want, ev.String(), "Events(%#x)", uint16(ev))
	}
}
