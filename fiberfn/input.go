package fiberfn

import (
	"net/http"
	"unsafe"

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
		return f.dec.decodeArgs(unsafe.Pointer(in), c.Request().URI().QueryArgs(), f.dec.queryKeys)
	}
	switch kind {
	case bodyURLEncoded:
		return f.dec.decodeArgs(unsafe.Pointer(in), c.Request().PostArgs(), f.dec.formKeys)
	case bodyMultipart:
		form, err := c.MultipartForm()
		if err != nil {
			return &Error{Code: http.StatusBadRequest, Message: "Malformed multipart form."}
		}
		return f.dec.decodeMultipart(unsafe.Pointer(in), form)
	case bodyJSON:
		return decodeJSON(c.Request().Body(), in)
	}
	return nil
}
