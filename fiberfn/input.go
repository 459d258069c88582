package fiberfn

import "reflect"

// Validator is implemented by inputs that check themselves after decoding.
// A non-nil error (typically [FieldErrors]) is answered like an error of the
// function, which is then not called. A Validate method with a pointer
// receiver may normalize the input (trim, lowercase) before the function
// sees it. It runs after the function's guards, so a caller they refuse
// learns nothing of the input's rules.
type Validator interface {
	Validate() error
}

// inputValue is the addressable value decoders fill.
func inputValue[T any](in *T) reflect.Value { return reflect.ValueOf(in).Elem() }

// reflectTypeOf is reflect.TypeFor (Go 1.22) spelled for any Go version.
func reflectTypeOf[T any]() reflect.Type { return reflect.TypeOf((*T)(nil)).Elem() }
