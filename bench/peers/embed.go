// Package peers embeds the reaplat peer drivers (reaplat.js for Node.js,
// reaplat.py for Python asyncio) so the Go command can run them from any
// working directory. The scripts are also usable by hand; see their
// headers for the protocol.
package peers

import _ "embed"

// NodeJS is the source of reaplat.js.
//
//go:embed reaplat.js
var NodeJS []byte

// Python is the source of reaplat.py.
//
//go:embed reaplat.py
var Python []byte
