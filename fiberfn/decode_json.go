package fiberfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"unicode/utf8"
)

// decodeJSON fills in from a JSON body. Its errors name the field and what
// was expected in words, never a Go type.
func decodeJSON(body []byte, in any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if !utf8.Valid(body) {
		// JSON text is UTF-8 (RFC 8259); encoding/json would turn each
		// invalid byte into U+FFFD and let the value through.
		return &Error{Code: http.StatusBadRequest, Message: "The request body is not valid UTF-8."}
	}
	err := json.Unmarshal(body, in)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		msg := "must be " + jsonKind(typeErr.Type)
		return &Error{
			Code:    http.StatusBadRequest,
			Message: fmt.Sprintf("Invalid value for field %q: %s.", typeErr.Field, msg),
			Fields:  map[string]string{typeErr.Field: msg},
		}
	case errors.As(err, &typeErr):
		return &Error{Code: http.StatusBadRequest, Message: "The body must be a JSON object."}
	case errors.As(err, &syntaxErr):
		return &Error{Code: http.StatusBadRequest, Message: fmt.Sprintf("Malformed JSON at byte %d.", syntaxErr.Offset)}
	default:
		return &Error{Code: http.StatusBadRequest, Message: "Malformed JSON."}
	}
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	default:
		return "an object"
	}
}
