//go:build !linux

package reaplat

import (
	"context"

	"github.com/childloop/childloop/bench/internal/harness"
)

// runScale marks every Scaler skipped: the idle-children pool needs Linux.
func runScale(_ context.Context, _ Options, methods []harness.Row, res *Result, _ *progress) []error {
	for _, m := range methods {
		if m.Scale {
			res.Scale = append(res.Scale, ScaleRow{Row: Row{Method: m.Name, RowStatus: RowStatus{Skipped: "Linux only"}}})
		}
	}
	return nil
}
