package fiberfn

import (
	"reflect"

	"github.com/gofiber/fiber/v2"
)

// Validator is implemented by inputs that check themselves after decoding.
// A non-nil error (typically [FieldErrors]) is answered like an error of the
// function, which is then not called. A Validate method with a pointer
// receiver may normalize the input (trim, lowercase) before the function
// sees it. It runs after the function's guards, so a caller they refuse
// learns nothing of the input's rules.
type Validator interface {
	Validate() error
}

// RequestValidator is implemented by inputs whose checks need the request:
// the session's user, a quota in the database. ValidateRequest runs after
// Validate (and the guards), before the once-only claim and the function;
// a non-nil error is answered like Validate's, in the caller's usual shape
// (a 403 or 422 with the message, the field errors of a form). For a
// [RegisterStream] function it is how a refusal known before any work
// starts gets an ordinary error answer instead of a stream that carries
// an error event.
type RequestValidator interface {
	ValidateRequest(c *fiber.Ctx) error
}

// inputValue is the addressable value decoders fill.
func inputValue[T any](in *T) reflect.Value { return reflect.ValueOf(in).Elem() }

// reflectTypeOf is reflect.TypeFor (Go 1.22) spelled for any Go version.
func reflectTypeOf[T any]() reflect.Type { return reflect.TypeOf((*T)(nil)).Elem() }
