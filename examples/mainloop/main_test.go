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
		`^library child "exit 2" \(pid \d+\): exit 2$`,
		`^library child "sleep 0.1" \(pid \d+\): exit 0$`,
		`^library child "kill -TERM \$\$" \(pid \d+\): signal terminated$`,
	}
	t.Run("SigchldOccurred", func(t *testing.T) {
		p := extest.Start(t, bin)
		require.NoError(t, p.Wait(t), "mainloop")
		for _, want := range append(library, `^os/exec child: Wait returned its status: exit status 7$`) {
			p.WaitLine(t, 0, regexp.MustCompile(want))
		}
	})
	t.Run("reaper", func(t *testing.T) {
		p := extest.Start(t, bin, "-reaper")
		require.NoError(t, p.Wait(t), "mainloop -reaper")
		m, _ := p.WaitLine(t, 0, regexp.MustCompile(`^os/exec child started \(pid (\d+)\)$`))
		want := append(library,
			`^reaper: pid `+m[1]+` is not the parent's \(childproc: not a child of this parent: pid \d+\): exit 7$`,
			`^os/exec child: Wait failed: .*no child processes$`)
		for _, w := range want {
			p.WaitLine(t, 0, regexp.MustCompile(w))
		}
	})
}
