package fiberfn

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// TestOnceTokenSentTwice: a once-only request that carries its token more
// than once (the form field twice in the body, in the body and the query,
// twice in a multipart body, or two Idempotency-Key headers) is a 400 that
// runs nothing and spends no token, for htmx and plain callers; the same
// token sent once afterwards still runs.
func TestOnceTokenSentTwice(t *testing.T) {
	app, runs := onceApp(t, Config{}, 0)
	good := formToken(t, app, "once_add")
	other := formToken(t, app, "once_add")
	tok := url.QueryEscape(good)
	mp, mpType := multipartBody(OnceField, good, OnceField, other, "title", "milk")
	referer := []string{"Referer", "http://example.com/tasks"}
	tests := []struct {
		name string
		req  req
	}{
		{"same token twice in the body", req{path: "/api/once_add", body: OnceField + "=" + tok + "&" + OnceField + "=" + tok + "&title=milk", headers: withHeaders(formCT, referer...)}},
		{"two tokens in the body", req{path: "/api/once_add", body: OnceField + "=" + tok + "&" + OnceField + "=" + url.QueryEscape(other) + "&title=milk", headers: withHeaders(formCT, referer...)}},
		{"body and query", req{path: "/api/once_add?" + OnceField + "=" + url.QueryEscape(other), body: OnceField + "=" + tok + "&title=milk", headers: withHeaders(formCT, referer...)}},
		{"multipart twice", req{path: "/api/once_add", body: mp, headers: withHeaders(map[string]string{"Content-Type": mpType}, referer...)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkTwice(t, app, tt.req)
			htmxReq := tt.req
			htmxReq.headers = withHeaders(tt.req.headers, "HX-Request", "true")
			checkTwice(t, app, htmxReq)
		})
	}
	t.Run("two Idempotency-Key headers", func(t *testing.T) {
		hr := httpRequest(req{path: "/api/once_add", body: `{"title":"milk"}`, headers: jsonCT})
		hr.Header.Add("Idempotency-Key", "k1")
		hr.Header.Add("Idempotency-Key", "k2")
		resp, err := app.Test(hr, -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "more than once") {
			t.Errorf("got %d %s, want a 400 that says the key came twice", resp.StatusCode, body)
		}
	})
	if n := runs.Load(); n != 0 {
		t.Fatalf("requests with two tokens ran the function %d times", n)
	}
	// Nothing was spent: each token sent once runs once.
	for _, token := range []string{good, other} {
		if resp, _ := do(t, app, oncePost(token, "milk", "HX-Request", "true")); resp.StatusCode != 200 || resp.Header.Get(ReplayedHeader) != "" {
			t.Errorf("the token sent once: %d, replayed %q", resp.StatusCode, resp.Header.Get(ReplayedHeader))
		}
	}
	if n := runs.Load(); n != 2 {
		t.Errorf("the function ran %d times for two tokens sent once, want 2", n)
	}
}

// checkTwice sends r, which carries its token twice, and checks the 400 in
// its caller's shape.
func checkTwice(t *testing.T, app *fiber.App, r req) {
	t.Helper()
	resp, body := do(t, app, r)
	if r.headers["HX-Request"] == "true" {
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "more than once") {
			t.Errorf("htmx: %d %q, want 400 saying the token came twice", resp.StatusCode, body)
		}
		return
	}
	flash := flashOf(t, resp)
	if resp.StatusCode != http.StatusFound || flash == nil || flash.Status != http.StatusBadRequest || !strings.Contains(flash.Message, "more than once") {
		t.Errorf("plain: %d, flash %+v; want 302 back with a 400 flash saying the token came twice", resp.StatusCode, flash)
		return
	}
	if _, leaked := flash.Values[OnceField]; leaked || flash.Values["title"] != "milk" {
		t.Errorf("plain: flash values %v, want the title and not the token", flash.Values)
	}
}
