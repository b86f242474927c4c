package osevent

import (
	"reflect"
	"runtime"
	"strings"
)

// hookFramePrefix is the name prefix of the Registry methods through which
// every hook is called (hookcall.go), e.g.
// "github.com/childloop/childloop/osevent.(*Registry).hookRegisterFD".
var hookFramePrefix = reflect.TypeFor[Registry]().PkgPath() + ".(*Registry).hook"

// calledFromHook reports whether the calling goroutine is inside a hook
// call made by a Registry, by looking for a hook-calling frame on its own
// stack. It is the reentrancy slow path: it runs only when an entry point
// found the registry's mutex held while a hook call was in progress, and
// it costs a stack walk (about a microsecond).
//
// Unlike a goroutine id recorded at every hook call, this costs the hook
// path nothing. A frame of any Registry counts: a hook may not call into
// the library at all, so an entry point reached from a hook of another
// Registry is equally illegal, and is reported instead of risking a
// deadlock.
func calledFromHook() bool {
	var pcs [32]uintptr
	for skip := 2; ; skip += len(pcs) {
		n := runtime.Callers(skip, pcs[:])
		frames := runtime.CallersFrames(pcs[:n])
		for {
			fr, more := frames.Next()
			if strings.HasPrefix(fr.Function, hookFramePrefix) {
				return true
			}
			if !more {
				break
			}
		}
		if n < len(pcs) {
			return false
		}
	}
}
