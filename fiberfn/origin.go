package fiberfn

import (
	"net/http"

	"github.com/fiberfn/fiberfn/fiberfn/origin"
	"github.com/gofiber/fiber/v2"
)

// errCrossOrigin is the answer to a refused cross-origin request.
var errCrossOrigin = &Error{Code: http.StatusForbidden, Message: "Cross-origin request refused."}

// originAllowed applies the cross-origin rules of package origin (those of
// Go's net/http CrossOriginProtection) to a server function's request,
// from the headers the plugin read: the same code as origin.New, the
// middleware for the app's own routes.
func originAllowed(c *fiber.Ctx, h *reqHeaders, trusted []string) bool {
	return origin.Allowed(c.Method(), h.secFetchSite, h.origin, c.Request().Header.Host(), trusted)
}
