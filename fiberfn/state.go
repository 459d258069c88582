package fiberfn

import (
	"sync"

	"github.com/gofiber/fiber/v2"
)

// stateKey is the fiber.Ctx locals key of the per-request state.
type stateKey struct{}

// requestState is what the plugin keeps for one request.
type requestState struct {
	resp   ResponseOptions
	plugin *plugin
	hdr    fnHeaders // read for server function requests only
}

var statePool = sync.Pool{New: func() any { return new(requestState) }}

func acquireState(p *plugin) *requestState {
	st := statePool.Get().(*requestState)
	st.plugin = p
	return st
}

func releaseState(st *requestState) {
	st.resp.reset()
	st.plugin = nil
	st.hdr = fnHeaders{}
	statePool.Put(st)
}

// stateOf returns the request's state, creating a detached one when the
// plugin is not installed (its options are then never applied).
func stateOf(c *fiber.Ctx) *requestState {
	if st, ok := c.Locals(stateKey{}).(*requestState); ok {
		return st
	}
	st := &requestState{}
	c.Locals(stateKey{}, st)
	return st
}

// Response returns the response options of the request; never nil. The
// plugin installed with [New] applies them after the handler returns. The
// value must not be kept after the request ends.
func Response(c *fiber.Ctx) *ResponseOptions {
	return &stateOf(c).resp
}
