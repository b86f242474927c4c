package exec_test

// The conformance test: the toolchain's own os/exec tests, read from
// $(go env GOROOT)/src/os/exec at test time, run against this package.
//
// Each test file is rewritten in two ways only: the import "os/exec"
// becomes this package, and the few internal packages the tests use
// (internal/testenv, internal/poll, internal/syscall/unix,
// os/exec/internal/fdtest) become small stand-ins written here. The files
// go into a throwaway module next to an untouched copy (the control, still
// importing os/exec), and `go test -json` runs both. Every test that
// passes in the control must pass here; a test the control skips may be
// skipped. Files of os/exec's internal test package are listed in
// internalFiles, each with what is done with it and why.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"os"
	stdexec "os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/childloop/childloop/internal/testutil"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// internalFiles are os/exec's test files in package exec itself (not
// exec_test), which can see os/exec's unexported names. "" means the file
// uses only exported names and runs as an external test (dot-importing the
// package under test); anything else is why it is skipped.
var internalFiles = map[string]string{
	"lp_test.go":    "",
	"bench_test.go": "",
	"env_test.go": "TestDedupEnv calls os/exec's unexported dedupEnvCase; " +
		"Environ and Start are os/exec's own here, and TestDedupEnvEcho checks the result end to end",
	"internal_test.go": "TestPrefixSuffixSaver tests os/exec's unexported prefixSuffixSaver; " +
		"Output's stderr buffer here is the package's own headTail, tested with the same cases in saver_test.go",
}

const thisPackage = "github.com/childloop/childloop/exec"

func TestConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the toolchain's os/exec tests twice")
	}
	goTool, err := stdexec.LookPath("go")
	require.NoError(t, err, "the go command is needed on PATH")
	out, err := stdexec.Command(goTool, "env", "GOROOT", "GOMODCACHE").Output()
	require.NoError(t, err, "go env")
	env := strings.Fields(string(out))
	require.Len(t, env, 2, "go env GOROOT GOMODCACHE: %q", out)
	goroot := env[0]
	src := filepath.Join(goroot, "src", "os", "exec")
	files, err := filepath.Glob(filepath.Join(src, "*_test.go"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no os/exec tests in %s: the toolchain's sources are needed", src)

	repo, err := filepath.Abs("..")
	require.NoError(t, err)
	mod := t.TempDir()
	writeModule(t, mod, repo)
	skipped := map[string]string{} // test name → reason
	for _, variant := range []struct{ dir, target string }{{"ours", thisPackage}, {"control", "os/exec"}} {
		dir := filepath.Join(mod, variant.dir)
		writeStandIns(t, dir, variant.target, goroot)
		for _, f := range files {
			rewriteTestFile(t, f, dir, "conformance/"+variant.dir, variant.target, skipped)
		}
		// TestExtraFiles builds this program (//go:build ignore) from the
		// test's directory; it checks the child's fds with the stand-ins.
		rewriteTestFile(t, filepath.Join(src, "read3.go"), dir, "conformance/"+variant.dir, variant.target, skipped)
	}

	args := []string{"test", "-json", "-count=1", "-p=1", "-timeout=20m"}
	if testutil.RaceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "./ours", "./control")
	cmd := testutil.HelperCommand(t, "cleanexec", append([]string{goTool}, args...)...)
	cmd.Dir = mod
	cmd.Env = append(cmd.Env,
		"GOWORK=off", "GOFLAGS=-mod=mod", "GOSUMDB=off",
		"GOMODCACHE="+env[1], "GOTOOLCHAIN=local")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	out, runErr := cmd.Output()
	t.Logf("go %s: %v in %v", strings.Join(args, " "), runErr, time.Since(start).Round(time.Millisecond))
	res := parseTestJSON(out)
	ours, control := res["conformance/ours"], res["conformance/control"]
	if len(ours) == 0 || len(control) == 0 {
		t.Fatalf("no results (%v):\n%s\n%s", runErr, stderr.String(), outputOf(out, ""))
	}

	var names []string
	for name := range control {
		names = append(names, name)
	}
	sort.Strings(names)
	count := map[string]int{}
	for _, name := range names {
		want, got := control[name], ours[name]
		count[got]++
		switch {
		case want == "pass" && got != "pass", want == "skip" && got == "fail", got == "":
			t.Errorf("%s: %q here, %q with os/exec\n%s", name, got, want, outputOf(out, name))
		case want == "fail":
			t.Errorf("%s fails with os/exec itself (%q here): the harness is wrong on this machine\n%s", name, got, outputOf(out, name))
		}
	}
	for name := range ours {
		if _, ok := control[name]; !ok {
			t.Errorf("%s ran here but not in the control", name)
		}
	}
	ctl := map[string]int{}
	for _, r := range control {
		ctl[r]++
	}
	t.Logf("toolchain %s, %d tests: here %d passed, %d failed, %d skipped; os/exec (control) %d passed, %d failed, %d skipped",
		runtime.Version(), len(names), count["pass"], count["fail"], count["skip"], ctl["pass"], ctl["fail"], ctl["skip"])
	for _, name := range names {
		if control[name] == "skip" || ours[name] == "skip" {
			t.Logf("skipped by the tests themselves: %s (here %s, os/exec %s)\n%s", name, ours[name], control[name], outputOf(out, name))
		}
	}
	for name, why := range skipped {
		t.Logf("not run: %s: %s", name, why)
	}
	if runErr != nil && !t.Failed() && count["fail"] == 0 {
		t.Errorf("go test failed with every test passing: %v\n%s", runErr, stderr.String())
	}
}

func init() { helpers["cleanexec"] = cleanExec }

// cleanExec execs args with no fd above 2, as a fresh login would start
// it. Fds this process inherited without close-on-exec (from a shell or a
// CI runner) would otherwise reach every test binary, where TestExtraFiles
// sees them at start-up and skips itself.
func cleanExec(args []string) int {
	if err := unix.CloseRange(3, math.MaxUint32, unix.CLOSE_RANGE_CLOEXEC); err != nil {
		fmt.Fprintln(os.Stderr, "close_range:", err)
		return 1
	}
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, testutil.HelperEnvVar+"=")
	})
	err := syscall.Exec(args[0], args, env)
	fmt.Fprintln(os.Stderr, "exec:", err)
	return 1
}

// writeModule writes the throwaway module's go.mod, replacing this module
// by the checkout, and this module's go.sum (the same dependencies).
func writeModule(t *testing.T, mod, repo string) {
	gomod := fmt.Sprintf("module conformance\n\ngo 1.26.0\n\nrequire github.com/childloop/childloop v0.0.0\n\nreplace github.com/childloop/childloop => %s\n", repo)
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.mod"), []byte(gomod), 0o644))
	copyFile(t, filepath.Join(repo, "go.sum"), filepath.Join(mod, "go.sum"))
}

func copyFile(t *testing.T, from, to string) {
	b, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(to, b, 0o644))
}

// rewriteTestFile writes the rewritten copy of one toolchain test file (or
// program) into dir, or records in skipped why its tests are not run.
func rewriteTestFile(t *testing.T, file, dir, modPath, target string, skipped map[string]string) {
	src, err := os.ReadFile(file)
	require.NoError(t, err)
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.SkipObjectResolution)
	require.NoError(t, err, "parsing %s", file)
	base := filepath.Base(file)
	standIns := map[string]string{
		"internal/testenv":        modPath + "/internal/testenv",
		"internal/poll":           modPath + "/internal/poll",
		"internal/syscall/unix":   modPath + "/internal/unix",
		"os/exec/internal/fdtest": modPath + "/internal/fdtest",
		"os/exec":                 target,
	}
	var edits []edit
	if f.Name.Name == "exec" {
		why, known := internalFiles[base]
		if !known {
			t.Fatalf("%s: a test file of os/exec's internal package that internalFiles does not classify", base)
		}
		if why != "" {
			for _, d := range f.Decls {
				if name := testFuncName(d); name != "" {
					skipped[name] = base + ": " + why
				}
			}
			return
		}
		// Only exported names: an external test dot-importing the target.
		after := fset.Position(f.Name.End()).Offset
		edits = append(edits,
			edit{fset.Position(f.Name.Pos()).Offset, after, "exec_test"},
			edit{after, after, "\n\nimport . " + strconv.Quote(target) + "\n"})
	}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		to, ok := standIns[path]
		if !ok {
			if strings.HasPrefix(path, "internal/") || strings.Contains(path, "/internal/") {
				t.Fatalf("%s imports %s, which has no stand-in here", base, path)
			}
			continue
		}
		edits = append(edits, edit{fset.Position(imp.Path.Pos()).Offset, fset.Position(imp.Path.End()).Offset, strconv.Quote(to)})
	}
	slices.SortFunc(edits, func(a, b edit) int { return b.from - a.from })
	for _, e := range edits {
		src = append(src[:e.from:e.from], append([]byte(e.text), src[e.to:]...)...)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, base), src, 0o644))
}

type edit struct {
	from, to int
	text     string
}

// testFuncName is the name of the Test function d declares, or "".
func testFuncName(d ast.Decl) string {
	fd, ok := d.(*ast.FuncDecl)
	if !ok || fd.Recv != nil || !strings.HasPrefix(fd.Name.Name, "Test") {
		return ""
	}
	return fd.Name.Name
}

// parseTestJSON turns `go test -json` output into package → test → result
// (pass, fail or skip), top-level tests only.
func parseTestJSON(out []byte) map[string]map[string]string {
	res := map[string]map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var ev struct{ Action, Package, Test string }
		if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.Test == "" || strings.Contains(ev.Test, "/") {
			continue
		}
		switch ev.Action {
		case "pass", "fail", "skip":
			if res[ev.Package] == nil {
				res[ev.Package] = map[string]string{}
			}
			res[ev.Package][ev.Test] = ev.Action
		}
	}
	return res
}

// outputOf is what `go test -json` printed for test (or for no test),
// in the variant under test, cut to its last 8 KiB.
func outputOf(out []byte, test string) string {
	var b strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var ev struct{ Action, Package, Test, Output string }
		if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.Action != "output" || ev.Package == "conformance/control" {
			continue
		}
		if test == "" || ev.Test == test || strings.HasPrefix(ev.Test, test+"/") {
			b.WriteString(ev.Output)
		}
	}
	s := b.String()
	if len(s) > 8<<10 {
		s = "...\n" + s[len(s)-8<<10:]
	}
	return s
}
