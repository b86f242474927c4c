//go:build linux

package methods

import (
	"context"

	"github.com/childloop/childloop/bench/internal/harness"
)

// sequential runs cfg.Warmup+cfg.N exits one at a time; one runs the whole
// protocol for one child (and reaps it) and returns its sample. Warm-up
// samples are discarded; progress is reported for measured ones.
func sequential(ctx context.Context, cfg harness.LatencyConfig, one func() (harness.Sample, error)) ([]harness.Sample, error) {
	out := make([]harness.Sample, 0, cfg.N)
	for i := 0; i < cfg.Warmup+cfg.N; i++ {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		s, err := one()
		if err != nil {
			return out, err
		}
		if i < cfg.Warmup {
			continue
		}
		out = append(out, s)
		if cfg.Progress != nil {
			cfg.Progress(len(out))
		}
	}
	return out, nil
}
