package reaplat

import (
	"fmt"
	"strings"
	"time"
)

// throughputVerdict gives one line per child program: the default row's
// children/s and parent CPU per child as ratios to the reference rows
// (harness.Row.Ref) of the same table. name is the default row's.
func throughputVerdict(r *Result) (lines []string, name string) {
	for _, t := range r.Throughput {
		var d ThroughputRow
		ok := false
		for _, row := range t.Rows {
			if row.Default && ran(row.RowStatus) && row.PerSecond > 0 {
				d, ok = row, true
			}
		}
		if !ok {
			continue
		}
		name = d.Method
		var rates, cpu []string
		for _, row := range t.Rows {
			if row.Ref == "" || !ran(row.RowStatus) || row.PerSecond <= 0 {
				continue
			}
			x := d.PerSecond / row.PerSecond
			rates = append(rates, fmt.Sprintf("%.2f× %s", x, row.Ref))
			if row.SelfCPUNS > 0 && d.SelfCPUNS > 0 {
				x := float64(d.SelfCPUNS) / float64(row.SelfCPUNS)
				cpu = append(cpu, fmt.Sprintf("%.2f× %s's", x, row.Ref))
			}
		}
		line := fmt.Sprintf("throughput, %s (higher is faster): %.0f children/s = %s", t.Child.Name, d.PerSecond, strings.Join(rates, ", "))
		if len(cpu) > 0 {
			line += fmt.Sprintf("; parent CPU per child %s µs = %s", us(time.Duration(d.SelfCPUNS)), strings.Join(cpu, ", "))
		}
		lines = append(lines, line)
	}
	return lines, name
}
