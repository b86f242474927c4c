package sigchld

import "sync"

// Mutex returns the registry's mutex, for tests that fork while another
// goroutine holds it: the reset must not need it.
func Mutex() *sync.Mutex { return &users.mu }
