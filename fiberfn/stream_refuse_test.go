package fiberfn

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// quotaIn is the input of a streaming function whose ValidateRequest
// refuses more than the request's X-Quota header allows.
type quotaIn struct {
	N int `form:"n" json:"n"`
}

// ValidateRequest refuses N over the quota the request names.
func (in *quotaIn) ValidateRequest(c *fiber.Ctx) error {
	if q, err := strconv.Atoi(c.Get("X-Quota")); err == nil && in.N > q {
		return &Error{Code: http.StatusForbidden, Message: "Over the quota.", Fields: map[string]string{"n": "is over the quota"}}
	}
	return nil
}

// TestStreamRequestValidator checks that a refusal of ValidateRequest is
// an ordinary error answer for every caller, before any stream starts and
// without running the function or spending a once-only key.
func TestStreamRequestValidator(t *testing.T) {
	var runs atomic.Int32
	app, _ := testApp(t, Config{}, func(r *Registry) {
		RegisterStreamOn(r, "count", func(c *fiber.Ctx, in quotaIn, send func(countOut) error) error {
			runs.Add(1)
			for i := 1; i <= in.N; i++ {
				if err := send(countOut{I: i}); err != nil {
					return err
				}
			}
			return nil
		}, OnceOnly(), RenderFunc(func(c *fiber.Ctx, w io.Writer, out countOut) error {
			_, err := fmt.Fprintf(w, "<p>%d</p>", out.I)
			return err
		}))
	}, nil)
	s := startApp(t, app)
	json := []string{"Content-Type", "application/json", "Accept", "application/json"}
	tests := []struct {
		name    string
		body    string
		headers []string
		status  int
		ctype   string
		want    string // a part of the body
	}{
		{"htmx4", "n=5", []string{"HX-Request", "true", "HX-Request-Type", "partial", "Accept", htmx4Accept}, http.StatusForbidden, "text/html", "Over the quota."},
		{"htmx2", "n=5", []string{"HX-Request", "true", "Accept", "*/*"}, http.StatusForbidden, "text/html", "Over the quota."},
		{"json", `{"n":5}`, json, http.StatusForbidden, "application/json", `"n":"is over the quota"`},
		{"plain", "n=5", nil, http.StatusSeeOther, "", ""},
		{"boosted", "n=5", []string{"HX-Request", "true", "HX-Boosted", "true"}, http.StatusSeeOther, "", ""},
		{"htmx4 full", "n=5", []string{"HX-Request", "true", "HX-Request-Type", "full", "Accept", htmx4Accept}, http.StatusSeeOther, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := []string{"X-Quota", "3", "Idempotency-Key", "key-" + strings.ReplaceAll(tt.name, " ", "-")}
			resp, body := s.post(t, tt.body, append(key, tt.headers...)...)
			if resp.StatusCode != tt.status && !(tt.status == http.StatusSeeOther && resp.StatusCode == http.StatusFound) {
				t.Fatalf("status %d, want %d: %q", resp.StatusCode, tt.status, body)
			}
			if ct := resp.Header.Get("Content-Type"); tt.ctype != "" && !strings.HasPrefix(ct, tt.ctype) {
				t.Errorf("Content-Type %q, want %q", ct, tt.ctype)
			}
			if !strings.Contains(body, tt.want) || strings.Contains(body, "event:") {
				t.Errorf("body %q, want a part %q and no event", body, tt.want)
			}
			if runs.Load() != 0 {
				t.Fatalf("the function ran %d times", runs.Load())
			}
			// The refusal did not spend the key: within the quota, the
			// same key runs.
			key[1] = "9"
			if resp, body := s.post(t, tt.body, append(key, tt.headers...)...); resp.StatusCode >= 400 || runs.Load() != 1 {
				t.Errorf("within the quota: status %d %q, %d runs", resp.StatusCode, body, runs.Load())
			}
			runs.Store(0)
		})
	}
}
