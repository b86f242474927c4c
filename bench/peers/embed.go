// Package peers embeds the reaplat peer drivers so that the Go command
// can run them from any working directory: reaplat.js for Node.js,
// reaplat.py for Python asyncio, and c/floor.c, the C loop of the
// throughput section, compiled at run time (in a directory of its own: Go
// refuses C files in a package that does not use cgo). They are also
// usable by hand; see their headers for the protocol.
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

// FloorC is the source of c/floor.c.
//
//go:embed c/floor.c
var FloorC []byte
