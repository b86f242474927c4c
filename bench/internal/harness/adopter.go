package harness

import "context"

// IdleAdopter is implemented by Scalers that reap only their own children
// (childloop's contexts): next to idle children of the process they would
// measure nothing interesting. The scale section calls ScaleLatency instead
// of Latency, passing the idle children's pids; the method adopts them for
// the measurement and must hand them back unreaped before returning.
type IdleAdopter interface {
	Scaler
	ScaleLatency(ctx context.Context, cfg LatencyConfig, idle []int) ([]Sample, error)
}
