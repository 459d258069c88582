package fiberfn

import (
	"io"
	"sync"

	"github.com/gofiber/fiber/v2"
)

// LayoutSafe wraps a view engine so that a render with a layout never runs
// at the same time as a render without one; renders without a layout (the
// fragments fiberfn renders for htmx callers) still run in parallel with
// each other.
//
// Use it with github.com/gofiber/template/html/v2 (v2.1.3) when pages use
// layouts: that engine installs the layout's "embed" function into the
// template set's shared function map on every render, a closure for a
// render with a layout and nil for one without, so a fragment rendered
// while a page executes makes the page fail with "call of nil function".
//
//	app := fiber.New(fiber.Config{Views: fiberfn.LayoutSafe(engine), ViewsLayout: "layouts/main"})
func LayoutSafe(views fiber.Views) fiber.Views {
	return &layoutSafeViews{views: views}
}

// layoutSafeViews is the engine of LayoutSafe.
type layoutSafeViews struct {
	views fiber.Views
	mu    sync.RWMutex
}

// Load loads the templates.
func (v *layoutSafeViews) Load() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.views.Load()
}

// Render renders name with binding, inside the layouts when given.
func (v *layoutSafeViews) Render(out io.Writer, name string, binding any, layout ...string) error {
	if len(layout) > 0 && layout[0] != "" {
		v.mu.Lock()
		defer v.mu.Unlock()
	} else {
		v.mu.RLock()
		defer v.mu.RUnlock()
	}
	return v.views.Render(out, name, binding, layout...)
}
