package noexec_test

import (
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"syscall"

	"github.com/childloop/childloop/noexec"
)

// reap waits for pid, as the caller of Steps.Start must.
func reap(pid int) syscall.WaitStatus {
	var ws syscall.WaitStatus
	for {
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if err == nil {
			return ws
		}
		if err != syscall.EINTR {
			log.Fatal(err)
		}
	}
}

// A child that runs no Go code: it writes to a pipe through an fd number
// of its own, then exits with the code asked for. The caller reaps it.
func ExampleSteps() {
	r, w, err := os.Pipe()
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	var s noexec.Steps
	s.Dup2(int(w.Fd()), 9).Write(9, []byte("hello from the child")).Exit(3)
	pid, err := s.Start()
	w.Close() // the child has its own copy
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("exit code:", reap(pid).ExitStatus())
	out, _ := io.ReadAll(r) // EOF: the child's copies are closed
	fmt.Printf("%q\n", out)
	// Output:
	// exit code: 3
	// "hello from the child"
}

// Exec ends the steps with a program: here the child's stdout becomes a
// pipe and it runs sh. The path and argv are prepared in the parent.
func ExampleSteps_Exec() {
	sh, err := exec.LookPath("sh")
	if err != nil {
		log.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	var s noexec.Steps
	s.Dup2(int(w.Fd()), 1).Exec(sh, []string{"sh", "-c", `echo "$0 ran, HOME=$HOME"`}, nil)
	pid, err := s.Start()
	w.Close()
	if err != nil {
		log.Fatal(err)
	}
	out, _ := io.ReadAll(r)
	fmt.Printf("%s", out) // a nil env: an empty environment
	fmt.Println("exit code:", reap(pid).ExitStatus())
	// Output:
	// sh ran, HOME=
	// exit code: 0
}

// A failing step ends the child with StepFailedCode, a failing Exec with
// ExecFailedCode; the error itself stays in the child.
func ExampleSteps_Chdir() {
	for _, s := range []*noexec.Steps{
		new(noexec.Steps).Chdir("/").Exit(0),
		new(noexec.Steps).Chdir("/no/such/dir").Exit(0),
		new(noexec.Steps).Exec("/no/such/program", []string{"program"}, nil),
	} {
		pid, err := s.Start()
		if err != nil {
			log.Fatal(err)
		}
		code := reap(pid).ExitStatus()
		fmt.Println(code, code == noexec.StepFailedCode, code == noexec.ExecFailedCode)
	}
	// Output:
	// 0 false false
	// 126 true false
	// 127 false true
}

// Setsid then Fork: the classic double fork. The child exits at once with
// code 0 and the grandchild, in a session of its own and no longer ours to
// reap, runs the remaining steps.
func ExampleSteps_Fork() {
	r, w, err := os.Pipe()
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	var s noexec.Steps
	s.Setsid().Fork().Write(int(w.Fd()), []byte("from the grandchild")).Exit(0)
	pid, err := s.Start()
	w.Close()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("child exit code:", reap(pid).ExitStatus())
	out, _ := io.ReadAll(r) // EOF once the grandchild has exited
	fmt.Printf("%q\n", out)
	// Output:
	// child exit code: 0
	// "from the grandchild"
}
