package exec_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/childloop/childloop/exec"
)

// The os/exec program, with only the import changed.
func Example() {
	cmd := exec.Command("tr", "a-z", "A-Z")
	cmd.Stdin = strings.NewReader("some input")
	var out strings.Builder
	cmd.Stdout = &out
	err := cmd.Run()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("in all caps: %q\n", out.String())

	err = exec.Command("sh", "-c", "echo oops >&2; exit 3").Run()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		fmt.Println(err, exitErr.ExitCode())
	}
	_, err = exec.Command("sh", "-c", "echo oops >&2; exit 3").Output()
	if errors.As(err, &exitErr) {
		fmt.Printf("stderr: %q\n", exitErr.Stderr)
	}
	// Output:
	// in all caps: "SOME INPUT"
	// exit status 3 3
	// stderr: "oops\n"
}

// Timeout and Grace, extensions: SIGTERM after the timeout, SIGKILL a
// grace period later for a child that ignores it. Cause says why.
func ExampleCmd_timeout() {
	cmd := exec.Command("sh", "-c", `trap "" TERM; exec sleep 10`)
	cmd.Timeout = 50 * time.Millisecond
	cmd.Grace = 50 * time.Millisecond
	err := cmd.Run()
	fmt.Println(err)
	fmt.Println(errors.Is(cmd.Cause(), context.DeadlineExceeded))
	// Output:
	// signal: killed
	// true
}
