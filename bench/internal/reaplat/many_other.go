//go:build !linux

package reaplat

import (
	"context"

	"github.com/childloop/childloop/bench/internal/harness"
)

// Helper never runs here: the many section needs Linux.
func Helper([]harness.Row) (int, bool) { return 0, false }

// runMany marks every many row skipped: its helpers read Linux's /proc.
func runMany(_ context.Context, _ Options, methods []harness.Row, res *Result, _ *progress) []error {
	for _, m := range methods {
		if m.Many != nil || m.ManyPeer != nil {
			res.Many = append(res.Many, ManyRow{Row: Row{Method: m.Name, RowStatus: RowStatus{Skipped: "Linux only"}}})
		}
	}
	return nil
}
