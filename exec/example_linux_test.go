package exec_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/exec"
)

// KillTree, an extension: what the child leaves running ends with it. The
// shell exits at once, leaving a background sleep that holds its stdout;
// without KillTree, Output would wait for that sleep, as os/exec's does.
func ExampleCmd_killTree() {
	cmd := exec.Command("sh", "-c", "sleep 60 & echo started")
	cmd.KillTree = true // a cgroup of its own, or a process group
	start := time.Now()
	out, err := cmd.Output()
	fmt.Printf("%q %v\n", out, err)
	fmt.Println("waited for the sleep:", time.Since(start) > 30*time.Second)
	// Output:
	// "started\n" <nil>
	// waited for the sleep: false
}

// Cause, an extension, says why the loop stopped a child: here
// CommandContext's default Cancel, made gentle by Grace (SIGTERM first).
// A child that ends on its own has no cause.
func ExampleCmd_Cause() {
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "sleep", "60")
	cmd.Grace = 10 * time.Second // SIGTERM, then SIGKILL if still alive
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	cancel()
	fmt.Println(cmd.Wait())
	fmt.Println(errors.Is(cmd.Cause(), childproc.ErrStopped))

	cmd = exec.Command("sh", "-c", "exit 1")
	fmt.Println(cmd.Run(), cmd.Cause())
	// Output:
	// signal: terminated
	// true
	// exit status 1 <nil>
}
