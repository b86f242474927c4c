package methods

import "github.com/childloop/childloop/bench/internal/peerrun"

// peerMethodNoSuchInterpreter is a peer whose runtime is never installed.
var peerMethodNoSuchInterpreter = peerrun.Peer{Interpreter: "reaplat-no-such-runtime-xyz"}
