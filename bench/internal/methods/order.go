package methods

// Row order of this package's methods; childloop rows added later slot in
// between with their own Order (the default, 100, puts them after these
// in-process rows and before the peers).
const (
	orderFloor      = 10
	orderExec       = 20
	orderGoReap     = 30
	orderNotifyPipe = 40
	orderPeers      = 200
)
