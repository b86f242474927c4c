package methods

// Row order of this package's methods: the floor first, then childloop's
// rows (11 upwards, see childloop_linux.go), then os/exec, the other
// in-process rows and the peers.
const (
	orderFloor      = 10
	orderExec       = 20
	orderGoReap     = 30
	orderNotifyPipe = 40
	orderPeers      = 200
)
