package fiberfn

import "github.com/gofiber/fiber/v2"

// RemoveTarget makes the success answer of a server function to an htmx
// partial request remove its target (the element of hx-target, say the
// row of a deleted contact), with no template to render: a 200 whose body
// is only the [OutOfBand] parts, if any, with HX-Reswap: delete. htmx 2
// and htmx 4 both delete the target on it, whatever the element's
// hx-swap, and still swap the out-of-band parts. (A 204 swaps nothing in
// either; an empty 200 removes an outerHTML target, except in htmx 4 when
// out-of-band parts came with it and allowEmptySwapAfterOOB is off.)
//
//	fiberfn.RemoveTarget(c)
//	fiberfn.OutOfBand(c, "partials/counts", counts)
//	return struct{}{}, nil
//
// Other callers get what they always get: JSON the value, a plain form
// post a redirect back to its page. It is ignored when the function fails
// or redirects.
func RemoveTarget(c *fiber.Ctx) {
	stateOf(c).remove = true
}
