package reaplat

import (
	"context"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/childloop/childloop/bench/internal/machine"
	"github.com/childloop/childloop/bench/internal/peerrun"
)

// Env describes the machine and runtimes a result was measured on.
type Env struct {
	Time       string            `json:"time"`
	GOOS       string            `json:"goos"`
	GOARCH     string            `json:"goarch"`
	GoVersion  string            `json:"go_version"`
	GOMAXPROCS int               `json:"gomaxprocs"`
	NumCPU     int               `json:"num_cpu"`
	Kernel     string            `json:"kernel"`    // uname -srm
	CPUModel   string            `json:"cpu_model"` // from /proc/cpuinfo
	Runtimes   map[string]string `json:"runtimes"`  // peer runtime (or "C compiler") → version, or "not installed"
	Nofile     [2]uint64         `json:"nofile"`    // RLIMIT_NOFILE soft, hard during the run
}

// gatherEnv collects Env.
func gatherEnv(ctx context.Context) Env {
	e := Env{
		Time:       time.Now().UTC().Format(time.RFC3339),
		GOOS:       runtime.GOOS,
		GOARCH:     runtime.GOARCH,
		GoVersion:  runtime.Version(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		NumCPU:     runtime.NumCPU(),
		Kernel:     machine.Kernel(),
		CPUModel:   machine.CPUModel(),
		Runtimes:   map[string]string{},
	}
	for _, rt := range []string{"node", "python3"} {
		e.Runtimes[rt] = runtimeVersion(ctx, rt)
	}
	// The compiler of the C row's driver.
	if cc, err := peerrun.CCompiler(); err != nil {
		e.Runtimes["C compiler"] = "not installed"
	} else {
		e.Runtimes["C compiler"] = runtimeVersion(ctx, cc)
	}
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil {
		e.Nofile = [2]uint64{uint64(lim.Cur), uint64(lim.Max)} // int64 on some BSDs
	}
	return e
}

// runtimeVersion runs `name --version` and returns the first line, or says
// name is not installed.
func runtimeVersion(ctx context.Context, name string) string {
	path, err := exec.LookPath(name)
	if err != nil {
		return "not installed"
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").CombinedOutput()
	if err != nil {
		return "error: " + err.Error()
	}
	// The first line: a compiler goes on with its licence.
	first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return first
}

// String is the one-line machine description used in titles.
func (e Env) String() string {
	return e.Kernel + ", " + e.CPUModel + ", " + strconv.Itoa(e.NumCPU) + " CPUs, GOMAXPROCS=" +
		strconv.Itoa(e.GOMAXPROCS) + ", " + e.GoVersion
}
