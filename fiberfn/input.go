package fiberfn

import (
	"net/http"
	"reflect"

	"github.com/gofiber/fiber/v2"
)

// Validator is implemented by inputs that check themselves after decoding.
// A non-nil error (typically [FieldErrors]) is answered like an error of the
// function, which is then not called. A Validate method with a pointer
// receiver may normalize the input (trim, lowercase) before the function
// sees it.
type Validator interface {
	Validate() error
}

// input decodes and validates the function's input from a body of kind.
func (f *Fn[In, Out]) input(c *fiber.Ctx, kind bodyKind) (In, error) {
	var in In
	err := f.decode(c, &in, kind)
	if err == nil {
		if v, ok := any(&in).(Validator); ok {
			err = v.Validate()
		}
	}
	return in, err
}

// decode fills in from the request's query (GET, HEAD) or body.
func (f *Fn[In, Out]) decode(c *fiber.Ctx, in *In, kind bodyKind) error {
	if method := c.Method(); method == fiber.MethodGet || method == fiber.MethodHead {
		return f.dec.decodeArgs(inputValue(in), c.Request().URI().QueryArgs(), f.dec.queryKeys)
	}
	switch kind {
	case bodyURLEncoded:
		return f.dec.decodeArgs(inputValue(in), c.Request().PostArgs(), f.dec.formKeys)
	case bodyMultipart:
		form, err := c.MultipartForm()
		if err != nil {
			return &Error{Code: http.StatusBadRequest, Message: "Malformed multipart form."}
		}
		return f.dec.decodeMultipart(inputValue(in), form)
	case bodyJSON:
		return decodeJSON(c.Request().Body(), in)
	}
	return nil
}

// inputValue is the addressable value decoders fill.
func inputValue[T any](in *T) reflect.Value { return reflect.ValueOf(in).Elem() }

// reflectTypeOf is reflect.TypeFor (Go 1.22) spelled for any Go version.
func reflectTypeOf[T any]() reflect.Type { return reflect.TypeOf((*T)(nil)).Elem() }
