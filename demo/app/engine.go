package app

import (
	"io"
	"sync"

	"github.com/gofiber/template/html/v2"
)

// layoutSafeViews wraps the html/v2 engine so that a page render (with a
// layout) never runs beside a fragment render (without one).
//
// html/v2 (v2.1.3) installs the layout's "embed" function into the
// template set's shared function map on every render: a closure over the
// page for a layout render, which holds the engine's lock for its whole
// execution, and nil for a render without a layout, which holds no lock.
// A fragment (what fiberfn renders for htmx callers) that renders while a
// page is executing replaces the page's "embed" with nil, and the page
// fails with "call of nil function" (bench/enginecheck reproduces it).
// Page renders take this lock exclusively (html/v2 serialises them
// anyway); fragments share it, so they still render in parallel.
type layoutSafeViews struct {
	*html.Engine
	mu sync.RWMutex
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
	return v.Engine.Render(out, name, binding, layout...)
}
