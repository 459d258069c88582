package fiberfn

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestAsUserError(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		code     int
		message  string
		fields   map[string]string
		internal bool
	}{
		{"ServerError defaults to 500", ServerError("Try later."), 500, "Try later.", nil, false},
		{"ServerError with a status", ServerError("Taken.", http.StatusConflict), 409, "Taken.", nil, false},
		{"a non-error status becomes 500", &Error{Code: 200, Message: "odd"}, 500, "odd", nil, false},
		{"FieldErrors are a 422", FieldErrors{"title": "Required."}, 422, validationMessage, map[string]string{"title": "Required."}, false},
		{"*fiber.Error keeps code and message", fiber.NewError(http.StatusTeapot, "short and stout"), 418, "short and stout", nil, false},
		{"wrapped errors are found", fmt.Errorf("saving: %w", ServerError("Disk full.", 507)), 507, "Disk full.", nil, false},
		{"wrapped FieldErrors", fmt.Errorf("validate: %w", FieldErrors{"a": "b"}), 422, validationMessage, map[string]string{"a": "b"}, false},
		{"anything else is internal", errors.New("pq: password authentication failed"), 500, internalMessage, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ue, internal := asUserError(tt.err)
			if ue.Code != tt.code || ue.Message != tt.message || internal != tt.internal || len(ue.Fields) != len(tt.fields) {
				t.Fatalf("asUserError = %+v, internal %v", ue, internal)
			}
			for k, v := range tt.fields {
				if ue.Fields[k] != v {
					t.Fatalf("field %q = %q, want %q", k, ue.Fields[k], v)
				}
			}
		})
	}
}

func TestJSONErrorShape(t *testing.T) {
	app, _ := fnApp(t, Config{})
	resp, body := do(t, app, req{path: "/api/add_form", body: `{"title":" "}`, headers: jsonCT})
	var got struct {
		Error  string            `json:"error"`
		Fields map[string]string `json:"fields"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	if resp.StatusCode != 422 || got.Error != validationMessage || got.Fields["title"] != "Title must not be empty." {
		t.Fatalf("got %d %+v", resp.StatusCode, got)
	}
}

// Config.ErrorHandler writes every error answer of a server function:
// refusals, bad arguments and the function's own errors.
func TestConfigErrorHandler(t *testing.T) {
	var seen []int
	cfg := Config{ErrorHandler: func(c *fiber.Ctx, err *Error) error {
		seen = append(seen, err.Code)
		c.Set("X-Handled", "yes")
		return c.Status(err.Code).SendString("custom: " + err.Message)
	}}
	app, _ := testApp(t, cfg, func(r *Registry) {
		RegisterOn(r, "fails", func(c *fiber.Ctx, in struct {
			N int `form:"n"`
		}) (struct{}, error) {
			Response(c).InsertHeader("X-From-Fn", "kept")
			return struct{}{}, ServerError("Nope.", http.StatusConflict)
		})
	}, nil)
	tests := []struct {
		name   string
		req    req
		status int
		body   string
	}{
		{"function error", req{path: "/api/fails", headers: formCT}, 409, "custom: Nope."},
		{"bad argument", req{path: "/api/fails", body: "n=x", headers: formCT}, 400, `custom: Invalid value for field "n": must be a whole number.`},
		{"cross-origin", req{path: "/api/fails", headers: withHeaders(formCT, "Sec-Fetch-Site", "cross-site")}, 403, "custom: Cross-origin request refused."},
		{"unsupported type", req{path: "/api/fails", body: "x", headers: map[string]string{"Content-Type": "text/csv"}}, 415, "custom: Unsupported content type text/csv; send a form or JSON."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, app, tt.req)
			if resp.StatusCode != tt.status || body != tt.body || resp.Header.Get("X-Handled") != "yes" {
				t.Fatalf("got %d %q (X-Handled %q), want %d %q", resp.StatusCode, body, resp.Header.Get("X-Handled"), tt.status, tt.body)
			}
		})
	}
	// A wrong method is no request of the function's: its route answers
	// POST only, and Fiber answers the rest (405 and Allow).
	resp, _ := do(t, app, req{method: "PUT", path: "/api/fails"})
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" || resp.Header.Get("X-Handled") != "" {
		t.Fatalf("wrong method: %d Allow %q X-Handled %q, want Fiber's 405 with Allow: POST", resp.StatusCode, resp.Header.Get("Allow"), resp.Header.Get("X-Handled"))
	}
	resp, _ = do(t, app, req{path: "/api/fails", headers: formCT})
	if resp.Header.Get("X-From-Fn") != "kept" {
		t.Fatalf("a header the function set did not reach the custom error answer")
	}
}
