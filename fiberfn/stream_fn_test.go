package fiberfn

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// countIn is the input of the streaming test functions: how many results
// to send, and after which one to fail (0: never).
type countIn struct {
	N      int `form:"n" json:"n"`
	FailAt int `form:"fail_at" json:"fail_at"`
}

// countOut is one result of the streaming test functions.
type countOut struct {
	I int `json:"i"`
}

// streamTestApp serves "count", a streaming function that sends N results
// (a guard refuses the header X-Deny; the function fails after FailAt,
// with an internal error when FailAt is negative), on a real listener.
func streamTestApp(t *testing.T, runs *atomic.Int32, opts ...Option) *liveServer {
	t.Helper()
	app, _ := testApp(t, Config{}, func(r *Registry) {
		opts = append([]Option{RenderFunc(func(c *fiber.Ctx, w io.Writer, out countOut) error {
			_, err := fmt.Fprintf(w, "<p>%d</p>", out.I)
			return err
		}), Guard(func(c *fiber.Ctx) error {
			if c.Get("X-Deny") != "" {
				return ServerError("No.", http.StatusForbidden)
			}
			Response(c).InsertHeader("X-Guard", "ran")
			return nil
		})}, opts...)
		RegisterStreamOn(r, "count", func(c *fiber.Ctx, in countIn, send func(countOut) error) error {
			runs.Add(1)
			// The caller as the function sees it, also while streaming
			// (where the headers are already sent: run with -race).
			partial := c.Get("HX-Request") != "" && c.Get("HX-Boosted") == "" && c.Get("HX-Request-Type") != "full"
			if WantsFragment(c) != partial || WantsJSON(c) != (c.Get("Accept") == "application/json") {
				return errors.New("WantsFragment or WantsJSON is wrong")
			}
			Notify(c, "Counted.")
			for i := 1; i <= in.N; i++ {
				if in.FailAt > 0 && i > in.FailAt {
					return ServerError(fmt.Sprintf("Line %d is bad.", i), http.StatusUnprocessableEntity)
				}
				if in.FailAt < 0 && i > -in.FailAt {
					return errors.New("secret detail")
				}
				if err := send(countOut{I: i}); err != nil {
					return err
				}
			}
			return nil
		}, opts...)
	}, nil)
	return startApp(t, app)
}

// post sends a form (or JSON) post to the count function.
func (s *liveServer) post(t *testing.T, body string, kv ...string) (*http.Response, string) {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, s.base+"/api/count", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Referer", s.base+"/import")
	r.Header.Set("Cookie", testClientCookie)
	for i := 0; i+1 < len(kv); i += 2 {
		r.Header.Set(kv[i], kv[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

const htmx4Accept = "text/html, text/event-stream"

// TestStreamCallers checks the answer of a streaming function for every
// kind of caller.
func TestStreamCallers(t *testing.T) {
	var runs atomic.Int32
	s := streamTestApp(t, &runs)
	tests := []struct {
		name      string
		body      string
		headers   []string
		status    int
		ctype     string
		body2     string // the whole body, when not empty
		location  string
		wantGuard bool
	}{
		{"htmx4", "n=3", []string{"HX-Request", "true", "HX-Request-Type", "partial", "Accept", htmx4Accept}, 200, "text/event-stream",
			"retry: 1000\n\n\ndata: <p>1</p>\n\ndata: <p>2</p>\n\ndata: <p>3</p>\n\nevent: " + NoticeEvent + "\ndata: Counted.\n\n", "", true},
		{"htmx2", "n=3", []string{"HX-Request", "true", "Accept", "*/*"}, 200, "text/html", "<p>3</p>", "", true},
		{"json", `{"n":2}`, []string{"Content-Type", "application/json", "Accept", "application/json"}, 200, "application/x-ndjson",
			"\n{\"data\":{\"i\":1}}\n{\"data\":{\"i\":2}}\n", "", true},
		{"plain", "n=3", nil, http.StatusSeeOther, "", "", "/import", true},
		{"boosted", "n=3", []string{"HX-Request", "true", "HX-Boosted", "true"}, http.StatusSeeOther, "", "", "/import", true},
		{"htmx4 full", "n=3", []string{"HX-Request", "true", "HX-Request-Type", "full", "Accept", htmx4Accept}, http.StatusSeeOther, "", "", "/import", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := s.post(t, tt.body, tt.headers...)
			if resp.StatusCode != tt.status && !(tt.status == http.StatusSeeOther && resp.StatusCode == http.StatusFound) {
				t.Fatalf("status %d, want %d: %q", resp.StatusCode, tt.status, body)
			}
			if tt.ctype != "" && !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.ctype) {
				t.Errorf("Content-Type %q, want %q", resp.Header.Get("Content-Type"), tt.ctype)
			}
			if tt.body2 != "" && body != tt.body2 {
				t.Errorf("body %q, want %q", body, tt.body2)
			}
			if tt.location != "" {
				if u, err := url.Parse(resp.Header.Get("Location")); err != nil || u.Path != tt.location {
					t.Errorf("Location %q, want %q", resp.Header.Get("Location"), tt.location)
				}
			}
			if tt.wantGuard && resp.Header.Get("X-Guard") != "ran" {
				t.Errorf("the guard's header is missing: %v", resp.Header)
			}
		})
	}
}

// TestStreamErrors checks refusals before the stream (guard, cross
// origin) and errors in the middle of it, which reach the client as an
// event.
func TestStreamErrors(t *testing.T) {
	var runs atomic.Int32
	s := streamTestApp(t, &runs)
	h4 := []string{"HX-Request", "true", "HX-Request-Type", "partial", "Accept", htmx4Accept}
	tests := []struct {
		name    string
		body    string
		headers []string
		status  int
		want    string // a part of the body
		runs    int32
	}{
		{"guard", "n=3", append([]string{"X-Deny", "1"}, h4...), http.StatusForbidden, "No.", 0},
		{"cross origin", "n=3", append([]string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, h4...), http.StatusForbidden, "", 0},
		{"malformed", "n=x", h4, http.StatusBadRequest, "", 0},
		{"user error mid-stream", "n=5&fail_at=2", h4, 200, "data: <p>2</p>\n\nevent: fiberfn:error\ndata: Line 3 is bad.\n\n", 1},
		{"internal error mid-stream", "n=5&fail_at=-1", h4, 200, "event: fiberfn:error\ndata: " + internalMessage + "\n\n", 1},
		{"json error mid-stream", `{"n":5,"fail_at":1}`, []string{"Content-Type", "application/json", "Accept", "application/json"}, 200, `"event":"fiberfn:error"`, 1},
		{"plain error", "n=5&fail_at=1", nil, http.StatusSeeOther, "", 1},
		{"htmx2 error", "n=5&fail_at=1", []string{"HX-Request", "true"}, http.StatusUnprocessableEntity, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := runs.Load()
			resp, body := s.post(t, tt.body, tt.headers...)
			if resp.StatusCode != tt.status && !(tt.status == http.StatusSeeOther && resp.StatusCode == http.StatusFound) {
				t.Errorf("status %d, want %d: %q", resp.StatusCode, tt.status, body)
			}
			if !strings.Contains(body, tt.want) {
				t.Errorf("body %q, want a part %q", body, tt.want)
			}
			if strings.Contains(body, "secret") {
				t.Errorf("an internal error's detail leaked: %q", body)
			}
			if got := runs.Load() - before; got != tt.runs {
				t.Errorf("%d runs, want %d", got, tt.runs)
			}
		})
	}
}

// TestStreamOnceOnly checks that a once-only streaming function runs once
// per key: a second request with the key does not run it again, and a
// stream that failed gives its key back.
func TestStreamOnceOnly(t *testing.T) {
	var runs atomic.Int32
	s := streamTestApp(t, &runs, OnceOnly())
	h := []string{"Content-Type", "application/json", "Accept", "application/json", "Idempotency-Key", "k1"}
	if resp, body := s.post(t, `{"n":2}`, h...); resp.StatusCode != 200 || !strings.Contains(body, `{"i":2}`) {
		t.Fatalf("first: %d %q", resp.StatusCode, body)
	}
	if resp, body := s.post(t, `{"n":2}`, h...); resp.StatusCode >= 300 || strings.Contains(body, `{"i":2}`) || runs.Load() != 1 {
		t.Errorf("second: %d %q, %d runs", resp.StatusCode, body, runs.Load())
	}
	h[len(h)-1] = "k2"
	s.post(t, `{"n":2,"fail_at":1}`, h...)
	if resp, body := s.post(t, `{"n":2}`, h...); !strings.Contains(body, `{"i":2}`) || runs.Load() != 3 {
		t.Errorf("after a failed stream: %d %q, %d runs", resp.StatusCode, body, runs.Load())
	}
}

// TestRegisterStreamNeedsAFragment checks the start-up panics.
func TestRegisterStreamNeedsAFragment(t *testing.T) {
	for name, register := range map[string]func(r *Registry){
		"no renderer": func(r *Registry) {
			RegisterStreamOn(r, "s", func(*fiber.Ctx, countIn, func(countOut) error) error { return nil })
		},
		"nil function": func(r *Registry) { RegisterStreamOn[countIn, countOut](r, "s", nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			register(NewRegistry())
		}()
	}
}
