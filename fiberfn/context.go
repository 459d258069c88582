package fiberfn

import (
	"fmt"
	"reflect"

	"github.com/gofiber/fiber/v2"
)

// contextKey is the locals key of a value provided for type T.
type contextKey[T any] struct{}

// provided boxes a provided value. Fiber's request locals close every
// io.Closer they hold when the request ends; boxing keeps a provided *sql.DB
// or storage from being closed after the first request.
type provided[T any] struct{ v T }

// Provide returns a middleware that makes v available to every later
// handler of the request through [UseContext] and [ExpectContext], keyed by
// the static type T (like Leptos' provide_context). Provide a pointer or an
// interface to share one value, such as a database handle.
func Provide[T any](v T) fiber.Handler {
	box := &provided[T]{v: v} // one box for every request: no allocation per request
	return func(c *fiber.Ctx) error {
		c.Locals(contextKey[T]{}, box)
		return c.Next()
	}
}

// ProvideContext makes v available for the rest of this request, keyed by
// the static type T.
func ProvideContext[T any](c *fiber.Ctx, v T) {
	c.Locals(contextKey[T]{}, &provided[T]{v: v})
}

// UseContext returns the value provided for type T in this request, and
// whether there was one.
func UseContext[T any](c *fiber.Ctx) (T, bool) {
	if box, ok := c.Locals(contextKey[T]{}).(*provided[T]); ok {
		return box.v, true
	}
	var zero T
	return zero, false
}

// MissingContextError is the panic value of [ExpectContext] when nothing
// was provided for the type; the plugin answers it with a 500.
type MissingContextError struct {
	// Type is the type that was expected.
	Type reflect.Type
}

// Error implements the error interface.
func (e *MissingContextError) Error() string {
	return fmt.Sprintf("fiberfn: no %s in context; add app.Use(fiberfn.Provide[%s](value)) before this handler", e.Type, e.Type)
}

// ExpectContext returns the value provided for type T, or panics with a
// *[MissingContextError] naming the type: a wiring mistake, which the plugin
// turns into a 500 for the request (with the type in the log), not a nil
// dereference somewhere later.
func ExpectContext[T any](c *fiber.Ctx) T {
	v, ok := UseContext[T](c)
	if !ok {
		panic(&MissingContextError{Type: reflect.TypeFor[T]()})
	}
	return v
}
