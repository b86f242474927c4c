package knob

import (
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSetters(t *testing.T) {
	defer func() { strategy.Store(0); source.Store(0) }()
	require.ErrorIs(t, SetStrategy(Strategy(9)), os.ErrInvalid)
	require.ErrorIs(t, SetSource(Source(-1)), os.ErrInvalid)
	require.NoError(t, SetStrategy(StrategyScan))
	assert.Equal(t, StrategyScan, CurrentStrategy())
	require.NoError(t, SetSource(SourceRelay))
	assert.Equal(t, SourceRelay, RequestedSource())

	old := pidfdSupported
	pidfdSupported = func() bool { return false }
	defer func() { pidfdSupported = old }()
	require.ErrorIs(t, SetStrategy(StrategyPidfd), errors.ErrUnsupported)
	assert.Equal(t, StrategyScan, CurrentStrategy(), "a refused strategy changes nothing")
	assert.Equal(t, "pidfd", StrategyPidfd.String())
	assert.Equal(t, "raw", SourceRaw.String())
	assert.Equal(t, "Strategy(7)", Strategy(7).String())
}
