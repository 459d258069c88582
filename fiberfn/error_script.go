package fiberfn

import (
	_ "embed"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// ErrorScript is a small script (no eval, no inline code: a strict
// Content-Security-Policy is fine) that makes every htmx error answer of
// a server function reach the user, with htmx 2 and htmx 4: an error
// fragment that finds no error slot in the form that sent it (a button in
// a table row, a link) goes to the page's #fiberfn-errors, which the
// script adds at the top of <body> when the page has none (see
// [ErrorEvent]). Serve it with [ErrorScriptHandler] and load it:
//
//	app.Get("/fiberfn.js", fiberfn.ErrorScriptHandler)
//
//	<script src="/fiberfn.js" defer></script>
//
// Without it, a page that has an element with id "fiberfn-errors" (in
// its layout, say) gets those errors there all the same: the default
// [Config].ErrorTarget falls back to it.
//
//go:embed errors.js
var ErrorScript string

// errorScriptETag is ErrorScript's validator.
var errorScriptETag = `"` + strconv.FormatUint(fnvAddString(fnvOffset, ErrorScript), 16) + `"`

// ErrorScriptHandler serves [ErrorScript] as JavaScript, with an ETag (a
// matching If-None-Match gets 304) and Cache-Control: no-cache.
func ErrorScriptHandler(c *fiber.Ctx) error {
	c.Set(fiber.HeaderETag, errorScriptETag)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	if etagMatches(c.Request().Header.Peek(fiber.HeaderIfNoneMatch), errorScriptETag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
	return c.SendString(ErrorScript)
}
