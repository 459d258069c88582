package fiberfn

import (
	"errors"
	"io"

	"github.com/gofiber/fiber/v2"
)

// errNoViews is the error of a Render, ErrorTemplate or OutOfBand template
// in an app without a view engine.
var errNoViews = errors.New("fiberfn: rendering a template needs a view engine in fiber.Config.Views")

// render executes the template name of the app's view engine with binding
// into w, without a layout. Engines such as gofiber/template/html take no
// exclusive lock for a render without a layout, so fragments render in
// parallel.
func render(c *fiber.Ctx, w io.Writer, name string, binding any) error {
	views := c.App().Config().Views
	if views == nil {
		return errNoViews
	}
	return views.Render(w, name, binding)
}
