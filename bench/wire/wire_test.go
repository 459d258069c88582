package wire

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The smoke test of the benchmark servers: every variant answers every
// endpoint the same way, so that the benchmark compares like with like.
// It measures nothing.

type wireCase struct {
	name, path, body string
	htmx             bool
	headers          map[string]string
	status           int
	header, value    string
	prefix           bool // the header only starts with value
	contains         string
}

func wireCases() []wireCase {
	same := map[string]string{"Origin": "http://example.com", "Sec-Fetch-Site": "same-origin"}
	return []wireCase{
		{name: "login plain", path: LoginPath, body: "username=ann&password=pw", headers: same, status: 302, header: "Location", value: WelcomePath},
		{name: "login htmx", path: LoginPath, body: "username=ann&password=pw", htmx: true, headers: same, status: 200, header: "HX-Redirect", value: WelcomePath},
		{name: "login sets cookie", path: LoginPath, body: "username=ann&password=pw", headers: same, status: 302, header: "Set-Cookie", value: "user=ann; ", prefix: true},
		{name: "add htmx renders li", path: AddTaskPath, body: "title=Milk+%26+eggs", htmx: true, headers: same, status: 200, contains: `class="task">Milk &amp; eggs</li>`},
		{name: "add plain redirects", path: AddTaskPath, body: "title=Milk", headers: same, status: 302, header: "Location", value: "/"},
		{name: "vary", path: LoginPath, body: "username=ann&password=pw", headers: same, status: 302, header: "Vary", value: VaryValue},
		{name: "cross-site refused", path: LoginPath, body: "username=ann&password=pw", headers: map[string]string{"Sec-Fetch-Site": "cross-site"}, status: 403},
		{name: "foreign origin refused", path: LoginPath, body: "username=ann&password=pw", headers: map[string]string{"Origin": "http://evil.example"}, status: 403},
		{name: "json refused", path: AddTaskPath, body: "title=Milk", headers: map[string]string{"Content-Type": "text/plain"}, status: 415},
		{name: "too large", path: AddTaskPath, body: "title=" + strings.Repeat("a", BodyLimit+1), headers: same, status: 413},
	}
}

func newRequest(tc wireCase) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "http://example.com"+tc.path, strings.NewReader(tc.body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range tc.headers {
		req.Header.Set(k, v)
	}
	if tc.htmx {
		req.Header.Set("HX-Request", "true")
	}
	return req
}

func checkResponse(t *testing.T, tc wireCase, resp *http.Response) {
	t.Helper()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != tc.status {
		t.Fatalf("status %d, want %d; body %.200q", resp.StatusCode, tc.status, body)
	}
	if got := resp.Header.Get(tc.header); tc.header != "" && got != tc.value && !(tc.prefix && strings.HasPrefix(got, tc.value)) {
		t.Errorf("%s = %q, want %q", tc.header, resp.Header.Get(tc.header), tc.value)
	}
	if tc.contains != "" && !strings.Contains(string(body), tc.contains) {
		t.Errorf("body %q lacks %q", body, tc.contains)
	}
}

func TestServersAnswerAlike(t *testing.T) {
	if testing.Short() {
		t.Skip("smoke test of the benchmark servers; skipped with -short")
	}
	for _, mode := range Modes() {
		t.Run(mode, func(t *testing.T) {
			var do func(*http.Request) (*http.Response, error)
			if mode == ModeNetHTTP {
				h, err := NewNetHTTP()
				if err != nil {
					t.Fatal(err)
				}
				do = func(r *http.Request) (*http.Response, error) {
					w := httptest.NewRecorder()
					h.ServeHTTP(w, r)
					return w.Result(), nil
				}
			} else {
				app, err := New(mode)
				if err != nil {
					t.Fatal(err)
				}
				do = func(r *http.Request) (*http.Response, error) { return app.Test(r, -1) }
			}
			for _, tc := range wireCases() {
				t.Run(tc.name, func(t *testing.T) {
					resp, err := do(newRequest(tc))
					if err != nil {
						t.Fatal(err)
					}
					defer resp.Body.Close()
					checkResponse(t, tc, resp)
				})
			}
		})
	}
}
