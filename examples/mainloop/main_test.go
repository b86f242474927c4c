package main

import (
	"regexp"
	"testing"

	"github.com/childloop/childloop/examples/internal/extest"
	"github.com/stretchr/testify/require"
)

func TestMainloop(t *testing.T) {
	bin := extest.Build(t)
	library := []string{
		`^library child "exit 2" \(pid \d+\): exit 2 after \S+$`,
		`^library child "sleep 0.1" \(pid \d+\): exit 0 after \S+$`,
		`^library child "kill -TERM \$\$" \(pid \d+\): signal terminated after \S+$`,
	}
	t.Run("SigchldOccurred", func(t *testing.T) {
		p := extest.Start(t, bin)
		require.NoError(t, p.Wait(t), "mainloop")
		p.WaitLine(t, 0, regexp.MustCompile(`^mainloop: 3 library children and 1 os/exec child; on SIGCHLD the app calls parent.SigchldOccurred\(\)`))
		for _, want := range append(library, `^os/exec child: Wait returned its status: exit status 7 after \S+$`) {
			p.WaitLine(t, 0, regexp.MustCompile(want))
		}
	})
	t.Run("reaper", func(t *testing.T) {
		p := extest.Start(t, bin, "-reaper")
		require.NoError(t, p.Wait(t), "mainloop -reaper")
		p.WaitLine(t, 0, regexp.MustCompile(`^mainloop -reaper: 3 library children and 1 os/exec child; on SIGCHLD the app reaps every child with wait4\(-1\)`))
		m, _ := p.WaitLine(t, 0, regexp.MustCompile(`^os/exec child started \(pid (\d+)\)$`))
		want := append(library,
			`^reaper: pid `+m[1]+` is not the parent's \(childproc: not a child of this parent: pid \d+\): exit 7$`,
			`^os/exec child: Wait failed: .*no child processes$`)
		for _, w := range want {
			p.WaitLine(t, 0, regexp.MustCompile(w))
		}
	})
}

func TestMainloopHelp(t *testing.T) {
	extest.CheckHelp(t, extest.Build(t))
}
