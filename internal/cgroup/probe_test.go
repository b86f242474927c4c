package cgroup

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Mount tables as the kernel writes them, trimmed to the lines that matter
// plus some that must be passed over.
const (
	// hybridMountinfo is the machine these tests were written on: cgroup2
	// beside the v1 controllers.
	hybridMountinfo = `23 1 253:0 / / rw,relatime - ext4 /dev/vda rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`
	hybridCgroup = `9:name=systemd:/
4:memory:/process_api/e443f662e239cda695e3da5155e802ea
1:cpu:/
0::/
`
	// unifiedMountinfo is a systemd system with cgroup v2 only; its lines
	// carry optional fields (shared:N) before the separator.
	unifiedMountinfo = `22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw
25 22 0:23 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`
	unifiedCgroup = "0::/user.slice/user-1000.slice/session-2.scope\n"

	// v1Mountinfo has cgroup v1 hierarchies only.
	v1Mountinfo = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
`
	v1Cgroup = "2:cpu,cpuacct:/\n1:name=systemd:/init.scope\n"

	// containerMountinfo is a container without a cgroup namespace: the
	// host's hierarchy is bind-mounted from the container's own cgroup,
	// whose path /proc/self/cgroup gives in full.
	containerMountinfo = `600 500 0:52 / / rw,relatime master:300 - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w
612 610 0:30 /system.slice/docker-abc.scope /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup ro,nsdelegate
`
	containerCgroup = "0::/system.slice/docker-abc.scope/app\n"
)

func TestProbe(t *testing.T) {
	for _, tc := range []struct {
		name, mountinfo, cgroup, want string
	}{
		{"hybrid", hybridMountinfo, hybridCgroup, "/sys/fs/cgroup/unified"},
		{"unified", unifiedMountinfo, unifiedCgroup, "/sys/fs/cgroup/user.slice/user-1000.slice/session-2.scope"},
		{"container root not /", containerMountinfo, containerCgroup, "/sys/fs/cgroup/app"},
		{"container at its own root", containerMountinfo, "0::/system.slice/docker-abc.scope\n", "/sys/fs/cgroup"},
		{
			"escaped mount point",
			"41 31 0:38 / /mnt/my\\040cgroup\\011tab\\134back rw - cgroup2 none rw\n",
			"0::/a b\n", // /proc/self/cgroup is not escaped
			"/mnt/my cgroup\ttab\\back/a b",
		},
		{
			"escaped root",
			"41 31 0:38 /with\\040space /c rw - cgroup2 none rw\n",
			"0::/with space/x\n",
			"/c/x",
		},
		{
			"first usable mount wins",
			"41 31 0:38 /elsewhere /first rw - cgroup2 none rw\n" +
				"42 31 0:38 / /second rw,nosuid - cgroup2 none rw\n" +
				"43 31 0:38 / /third rw - cgroup2 none rw\n",
			"0::/x\n",
			"/second/x",
		},
		{
			"read-write before read-only",
			"41 31 0:38 / /ro ro,nosuid - cgroup2 none rw\n" +
				"42 31 0:38 / /rw rw,nosuid - cgroup2 none rw\n" +
				"43 31 0:38 / /rw2 rw - cgroup2 none rw\n",
			"0::/x\n",
			"/rw/x",
		},
		{
			"read-only if nothing else",
			"41 31 0:38 / /ro ro,nosuid - cgroup2 none rw\n",
			"0::/x\n",
			"/ro/x",
		},
		{
			"a root that is a prefix but not a parent is skipped",
			"41 31 0:38 / /good rw - cgroup2 none rw\n" +
				"42 31 0:38 /ab /bad rw - cgroup2 none rw\n",
			"0::/abc\n",
			"/good/abc",
		},
		{
			"a cgroup2 word in the mount point is no type",
			"41 31 0:38 / /cgroup2 rw - tmpfs cgroup2 rw\n" +
				"42 31 0:39 / /real rw - cgroup2 none rw\n",
			"0::/\n",
			"/real",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, err := probe([]byte(tc.mountinfo), []byte(tc.cgroup))
			require.NoError(t, err)
			assert.Equal(t, tc.want, dir)
		})
	}
}

func TestProbeUnsupported(t *testing.T) {
	for _, tc := range []struct {
		name, mountinfo, cgroup, msg string
	}{
		{"no cgroup2 mount", v1Mountinfo, hybridCgroup, "no cgroup2 mount"},
		{"no 0:: line", hybridMountinfo, v1Cgroup, "no cgroup v2 entry"},
		{"empty files", "", "", "no cgroup v2 entry"},
		// A mount made outside our cgroup namespace shows its root as
		// seen from inside: above our own root, hence unusable.
		{"mount outside the namespace", "41 31 0:38 /.. /sys/fs/cgroup rw - cgroup2 none rw\n", "0::/\n", "shows this process's cgroup"},
		{"cut line", "41 31 0:38 / /sys/fs/cgroup rw -\n", "0::/\n", "no cgroup2 mount"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, err := probe([]byte(tc.mountinfo), []byte(tc.cgroup))
			require.ErrorIs(t, err, errors.ErrUnsupported)
			assert.ErrorContains(t, err, tc.msg)
			assert.Empty(t, dir)
		})
	}
}

func TestUnescape(t *testing.T) {
	assert.Equal(t, "plain", unescape("plain"))
	assert.Equal(t, "a b\tc\nd\\e", unescape(`a\040b\011c\012d\134e`))
	assert.Equal(t, `a\04`, unescape(`a\04`), "cut escape kept")
	assert.Equal(t, `\777x`, unescape(`\777x`), "no byte: kept")
	assert.Equal(t, `\x`, unescape(`\x`))
}
