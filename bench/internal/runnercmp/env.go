package runnercmp

import (
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/childloop/childloop/bench/internal/machine"
)

// Env describes the machine and the runners a result was measured on.
type Env struct {
	Time      string            `json:"time"`
	NumCPU    int               `json:"num_cpu"`    // nproc
	Kernel    string            `json:"kernel"`     // uname -srm
	CPUModel  string            `json:"cpu_model"`  // from /proc/cpuinfo
	LoadAvg   string            `json:"load_avg"`   // /proc/loadavg's first three fields at the start
	GoVersion string            `json:"go_version"` // of runnercmp (examples/parallel is built with the same go)
	Versions  map[string]string `json:"versions"`   // runner → its --version's first line, or "not installed"
	Tree      string            `json:"tree"`       // examples/parallel's -tree auto, as its -v reports it
	Nofile    [2]uint64         `json:"nofile"`     // RLIMIT_NOFILE soft, hard: every runner inherits it
}

func gatherEnv() Env {
	e := Env{
		Time:      time.Now().UTC().Format(time.RFC3339),
		NumCPU:    runtime.NumCPU(),
		Kernel:    machine.Kernel(),
		CPUModel:  machine.CPUModel(),
		GoVersion: runtime.Version(),
		Versions:  map[string]string{},
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			e.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil {
		e.Nofile = [2]uint64{uint64(lim.Cur), uint64(lim.Max)} // int64 on some BSDs
	}
	return e
}
