package exec_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/exec"
	"github.com/childloop/childloop/loop"
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

// Command and Output: run a program and collect what it writes to stdout.
func ExampleCommand() {
	out, err := exec.Command("echo", "hello", "world").Output()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q\n", out)
	// Output: "hello world\n"
}

// CombinedOutput gives the child one pipe for both stdout and stderr, so
// the two streams arrive in the order the child wrote them.
func ExampleCmd_CombinedOutput() {
	cmd := exec.Command("sh", "-c", "echo to stdout; echo to stderr >&2; exit 2")
	out, err := cmd.CombinedOutput()
	fmt.Print(string(out))
	fmt.Println("error:", err)
	// Output:
	// to stdout
	// to stderr
	// error: exit status 2
}

// An ExitError tells an exit code from a death by signal: ExitCode is -1
// for a child killed by a signal, and the wait status names the signal.
func ExampleExitError() {
	for _, script := range []string{"exit 5", "kill -TERM $$"} {
		err := exec.Command("sh", "-c", script).Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			log.Fatal(err)
		}
		ws := ee.Sys().(syscall.WaitStatus)
		fmt.Printf("%s: code %d, exited %v, signaled %v\n",
			err, ee.ExitCode(), ee.Exited(), ws.Signaled())
	}
	// Output:
	// exit status 5: code 5, exited true, signaled false
	// signal: terminated: code -1, exited false, signaled true
}

// StdinPipe: write the child's input while it runs, then close the pipe
// so that the child sees end of file.
func ExampleCmd_StdinPipe() {
	cmd := exec.Command("sort")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		log.Fatal(err)
	}
	var out strings.Builder
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	for _, line := range []string{"pear", "apple", "fig"} {
		fmt.Fprintln(stdin, line)
	}
	stdin.Close() // sort reads EOF and writes its output
	if err := cmd.Wait(); err != nil {
		log.Fatal(err)
	}
	fmt.Print(out.String())
	// Output:
	// apple
	// fig
	// pear
}

// StdoutPipe: read the child's output as it comes, line by line; Wait
// only after everything has been read, since it closes the pipe.
func ExampleCmd_StdoutPipe() {
	cmd := exec.Command("sh", "-c", "for i in 1 2 3; do echo line $i; done")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		log.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		fmt.Println("got", sc.Text())
	}
	if err := cmd.Wait(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// got line 1
	// got line 2
	// got line 3
}

// CommandContext: once the context is done the child is killed (SIGKILL,
// as with os/exec; see Cmd.Grace for a gentler stop).
func ExampleCommandContext() {
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "sleep", "60")
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	cancel() // a deadline or a caller giving up would do the same
	err := cmd.Wait()
	fmt.Println(err)
	fmt.Println(ctx.Err())
	// Output:
	// signal: killed
	// context canceled
}

// LookPath finds a program in PATH; a missing one is ErrNotFound, which
// Start and Run report as well.
func ExampleLookPath() {
	path, err := exec.LookPath("sh")
	fmt.Println(filepath.IsAbs(path), filepath.Base(path), err)

	_, err = exec.LookPath("no-such-program-here")
	fmt.Println(errors.Is(err, exec.ErrNotFound))
	err = exec.Command("no-such-program-here").Run()
	fmt.Println(errors.Is(err, exec.ErrNotFound))
	// Output:
	// true sh <nil>
	// true
	// true
}

// NewRunner, an extension: commands started in a childproc.Parent on the
// caller's own loop. The loop runs on one goroutine; Wait (here inside
// Output) is called from another.
func ExampleNewRunner() {
	l, err := loop.New()
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	parent, err := childproc.New(l, childproc.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer parent.Close() // after every Wait has returned; before l.Close
	done := make(chan error)
	go func() { done <- l.Run() }()

	r := exec.NewRunner(parent)
	out, err := r.Command("echo", "from the runner").Output()
	fmt.Printf("%q %v\n", out, err)
	err = r.Command("sh", "-c", "exit 4").Run()
	fmt.Println(err)

	l.Stop()
	if err := <-done; err != nil {
		log.Fatal(err)
	}
	// Output:
	// "from the runner\n" <nil>
	// exit status 4
}
