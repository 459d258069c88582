package fiberfn

import (
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Error is an error whose message is meant for the user. Server functions
// return it (usually through [ServerError] or [FieldErrors]) to choose the
// status code and the message that reaches the caller.
type Error struct {
	// Code is the HTTP status code of the response.
	Code int
	// Message is shown to the user as it is (HTML-escaped where needed).
	Message string
	// Fields holds a message per form field, keyed by the field's form name.
	Fields map[string]string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(e.Message)
	for i, k := range keys {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(e.Fields[k])
	}
	return b.String()
}

// ServerError returns an error whose message is shown to the user. The status
// is 500 Internal Server Error unless another one is given.
func ServerError(msg string, status ...int) error {
	code := http.StatusInternalServerError
	if len(status) > 0 && status[0] >= 400 && status[0] <= 599 {
		code = status[0]
	}
	return &Error{Code: code, Message: msg}
}

// FieldErrors is a validation error: a message per form field, keyed by the
// field's form name. Returned from a server function (or from an input's
// Validate method) it becomes a 422 Unprocessable Entity whose messages a
// form can show beside each field.
type FieldErrors map[string]string

// validationMessage is the summary shown above a form with field errors.
const validationMessage = "Please correct the highlighted fields."

// Error implements the error interface.
func (fe FieldErrors) Error() string {
	return (&Error{Message: validationMessage, Fields: fe}).Error()
}

// internalMessage is all a caller learns about an unexpected error.
const internalMessage = "Something went wrong on our side. Please try again."

// asUserError turns any error into the one shown to the caller, and reports
// whether it was an unexpected (internal) error whose details must be logged
// and never sent.
func asUserError(err error) (*Error, bool) {
	var ue *Error
	if errors.As(err, &ue) {
		if ue.Code < 400 || ue.Code > 599 {
			cp := *ue
			cp.Code = http.StatusInternalServerError
			return &cp, false
		}
		return ue, false
	}
	var fe FieldErrors
	if errors.As(err, &fe) {
		return &Error{Code: http.StatusUnprocessableEntity, Message: validationMessage, Fields: fe}, false
	}
	var fiberErr *fiber.Error
	if errors.As(err, &fiberErr) {
		return &Error{Code: fiberErr.Code, Message: fiberErr.Message}, false
	}
	return &Error{Code: http.StatusInternalServerError, Message: internalMessage}, true
}
