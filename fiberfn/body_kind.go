package fiberfn

import (
	"bytes"

	"github.com/gofiber/fiber/v2"
)

// bodyKind is the kind of a request body, by its Content-Type.
type bodyKind uint8

const (
	bodyNone bodyKind = iota
	bodyURLEncoded
	bodyMultipart
	bodyJSON
	bodyUnsupported
)

func kindOf(c *fiber.Ctx) bodyKind {
	ct := c.Request().Header.ContentType()
	if string(ct) == fiber.MIMEApplicationForm { // the common case, exactly
		return bodyURLEncoded
	}
	if i := bytes.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = bytes.TrimSpace(ct)
	switch {
	case len(ct) == 0:
		if len(c.Body()) == 0 {
			return bodyNone
		}
		return bodyUnsupported
	case bytes.EqualFold(ct, []byte(fiber.MIMEApplicationForm)):
		return bodyURLEncoded
	case bytes.EqualFold(ct, []byte(fiber.MIMEMultipartForm)):
		return bodyMultipart
	case bytes.EqualFold(ct, []byte(fiber.MIMEApplicationJSON)):
		return bodyJSON
	}
	return bodyUnsupported
}
