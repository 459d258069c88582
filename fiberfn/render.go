package fiberfn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"

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

// renderPage executes the template name with binding inside layouts, or
// the app's ViewsLayout when none are given (as c.Render does).
func renderPage(c *fiber.Ctx, w io.Writer, name string, binding any, layouts []string) error {
	views := c.App().Config().Views
	if views == nil {
		return errNoViews
	}
	if len(layouts) == 0 {
		if l := c.App().Config().ViewsLayout; l != "" {
			layouts = []string{l}
		}
	}
	return views.Render(w, name, binding, layouts...)
}

// Component is a value that renders itself: the method set of templ's
// templ.Component (github.com/a-h/templ), and of any other typed
// component. A function whose Out implements it needs no [Render]: htmx
// partial callers get out.Render(c.UserContext(), w). fiberfn does not
// import templ. JSON callers still get Out as JSON, which a templ.Component
// (a function) cannot be: for functions that JSON clients call, return
// data and render it with [RenderFunc].
type Component interface {
	Render(ctx context.Context, w io.Writer) error
}

var componentType = reflectTypeOf[Component]()

// typedRender is a RenderFunc or PageFunc with the Out type it was written
// for, checked against the function's Out at registration.
type typedRender struct {
	option string
	out    reflect.Type
	fn     renderer
}

func newTypedRender[Out any](option string, fn func(c *fiber.Ctx, w io.Writer, out Out) error) *typedRender {
	if fn == nil {
		return &typedRender{option: option, out: reflectTypeOf[Out]()}
	}
	return &typedRender{option: option, out: reflectTypeOf[Out](), fn: func(c *fiber.Ctx, w io.Writer, out any) error {
		v, _ := out.(Out) // a nil interface Out arrives as nil
		return fn(c, w, v)
	}}
}

// check returns the renderer of t for a function whose result is of type
// out, or an error naming both types.
func (t *typedRender) check(out reflect.Type) (renderer, error) {
	if t.fn == nil {
		return nil, fmt.Errorf("%s(nil)", t.option)
	}
	if t.out != out {
		return nil, fmt.Errorf("%s writes a %s, but the function returns a %s", t.option, t.out, out)
	}
	return t.fn, nil
}

// buildRenderers chooses what htmx partial callers and page-like callers
// of a GET get, for a function whose result is of type out: a template
// (Render, Page), a Go function (RenderFunc, PageFunc), or for the
// fragment an Out that is a [Component].
func (m *meta) buildRenderers(out reflect.Type) error {
	switch {
	case m.renderFunc != nil && m.render != "":
		return errors.New("Render and RenderFunc both given")
	case m.renderFunc != nil:
		r, err := m.renderFunc.check(out)
		if err != nil {
			return err
		}
		m.fragment = r
	case m.render != "":
		name := m.render
		m.fragment = func(c *fiber.Ctx, w io.Writer, out any) error { return render(c, w, name, out) }
	case out.Implements(componentType):
		m.fragment = renderComponent
	}
	switch {
	case m.pageFunc != nil && m.page != "":
		return errors.New("Page and PageFunc both given")
	case m.pageFunc != nil:
		r, err := m.pageFunc.check(out)
		if err != nil {
			return err
		}
		m.fullPage = r
	case m.page != "":
		name, layouts := m.page, m.pageLayouts
		m.fullPage = func(c *fiber.Ctx, w io.Writer, out any) error { return renderPage(c, w, name, out, layouts) }
	}
	return nil
}

// renderComponent renders an Out that is a Component; a nil one renders
// nothing.
func renderComponent(c *fiber.Ctx, w io.Writer, out any) error {
	comp, ok := out.(Component)
	if !ok || comp == nil {
		return nil
	}
	if v := reflect.ValueOf(comp); v.Kind() == reflect.Pointer && v.IsNil() {
		return nil
	}
	return comp.Render(c.UserContext(), w)
}
