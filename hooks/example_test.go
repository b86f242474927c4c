package hooks_test

import (
	"fmt"

	"github.com/childloop/childloop/hooks"
)

// Event masks are poll(2) bits; String names them.
func ExampleEvents() {
	requested := hooks.In | hooks.Out
	reported := hooks.In | hooks.Hup // the peer closed: readable until EOF
	fmt.Println(requested, reported, reported&requested)
	// Output: In|Out In|Hup In
}
