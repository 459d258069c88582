package fiberfn

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// countingStorage is a fiber.Storage that counts its calls.
type countingStorage struct {
	mu       sync.Mutex
	m        map[string][]byte
	sets     atomic.Int64
	gets     atomic.Int64
	lastTTL  time.Duration
	lastSize int
}

func newCountingStorage() *countingStorage { return &countingStorage{m: map[string][]byte{}} }

func (s *countingStorage) Get(key string) ([]byte, error) {
	s.gets.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[key], nil
}

func (s *countingStorage) Set(key string, val []byte, exp time.Duration) error {
	s.sets.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = append([]byte(nil), val...)
	s.lastTTL, s.lastSize = exp, len(val)
	return nil
}

func (s *countingStorage) Delete(key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}

func (s *countingStorage) Reset() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m = map[string][]byte{}
	return nil
}

func (s *countingStorage) Close() error { return nil }

var _ fiber.Storage = (*countingStorage)(nil)

// onceApp registers the once-only function once_add (which counts its
// runs, refuses an empty title and takes delay to run) and once_other,
// and a page rendering a form with a token for ?fn=.
func onceApp(t testing.TB, cfg Config, delay time.Duration) (*fiber.App, *atomic.Int64) {
	var runs atomic.Int64
	app := setupApp(t, appSetup{
		cfg: cfg,
		register: func(r *Registry) {
			RegisterOn(r, "once_add", func(c *fiber.Ctx, in taskIn) (taskOut, error) {
				runs.Add(1)
				time.Sleep(delay)
				if in.Title == "" {
					return taskOut{}, FieldErrors{"title": "Title is required."}
				}
				return taskOut(in), nil
			}, OnceOnly(), Render("frag"))
			RegisterOn(r, "once_other", func(c *fiber.Ctx, in taskIn) (taskOut, error) {
				return taskOut(in), nil
			}, OnceOnly(), Render("frag"))
		},
		routes: func(app *fiber.App) {
			app.Get("/form", func(c *fiber.Ctx) error {
				return c.Render("once", fiber.Map{"Fn": c.Query("fn")})
			})
		},
	})
	return app, &runs
}

var onceTokenRE = regexp.MustCompile(`<input type="hidden" name="` + OnceField + `" value="([^"]+)">`)

// formToken renders the form page for fn and returns its token.
func formToken(t *testing.T, app *fiber.App, fn string) string {
	t.Helper()
	resp, body := do(t, app, req{method: http.MethodGet, path: "/form?fn=" + fn})
	m := onceTokenRE.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("form page: %d %q has no token", resp.StatusCode, body)
	}
	return m[1]
}

// oncePost is a form post of title with token to once_add.
func oncePost(token, title string, kv ...string) req {
	body := "title=" + url.QueryEscape(title)
	if token != "" {
		body = OnceField + "=" + url.QueryEscape(token) + "&" + body
	}
	return req{path: "/api/once_add", body: body, headers: withHeaders(formCT, append([]string{"Referer", "http://example.com/tasks"}, kv...)...)}
}

// TestOnceReplay checks that a second post with the same token replays the
// first answer without running the function, for every kind of caller.
func TestOnceReplay(t *testing.T) {
	tests := []struct {
		name       string
		req        func(token string) req
		status     int
		body       string
		location   string
		needsToken bool
		partial    bool
	}{
		{"plain", func(tok string) req { return oncePost(tok, "milk") }, 302, "", "/tasks", true, false},
		{"htmx2", func(tok string) req { return oncePost(tok, "milk", "HX-Request", "true") }, 200, `<li class="task">milk</li>`, "", true, true},
		{"htmx4", func(tok string) req {
			return oncePost(tok, "milk", "HX-Request", "true", "HX-Request-Type", "partial")
		}, 200, `<li class="task">milk</li>`, "", true, true},
		{"htmx4 boosted", func(tok string) req {
			return oncePost(tok, "milk", "HX-Request", "true", "HX-Boosted", "true", "HX-Request-Type", "full")
		}, 302, "", "/tasks", true, false},
		{"json", func(string) req {
			return req{path: "/api/once_add", body: `{"title":"milk"}`, headers: withHeaders(jsonCT, "Idempotency-Key", "order-42")}
		}, 200, `{"title":"milk"}`, "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, runs := onceApp(t, Config{}, 0)
			token := ""
			if tt.needsToken {
				token = formToken(t, app, "once_add")
			}
			var first string
			for i := range 3 {
				resp, body := do(t, app, tt.req(token))
				if resp.StatusCode != tt.status || body != tt.body {
					t.Fatalf("post %d: %d %q, want %d %q", i+1, resp.StatusCode, body, tt.status, tt.body)
				}
				if got := resp.Header.Get("Location"); got != tt.location {
					t.Errorf("post %d: Location %q, want %q", i+1, got, tt.location)
				}
				replayed := resp.Header.Get(ReplayedHeader)
				// htmx swapped the first answer in already: a replay to an
				// htmx partial caller must not be swapped again.
				wantReswap := ""
				if i > 0 && tt.partial {
					wantReswap = "none"
				}
				if got := resp.Header.Get("HX-Reswap"); got != wantReswap {
					t.Errorf("post %d: HX-Reswap %q, want %q", i+1, got, wantReswap)
				}
				if i == 0 {
					first = resp.Header.Get("Content-Type")
					if replayed != "" {
						t.Errorf("first answer has %s: %q", ReplayedHeader, replayed)
					}
				} else {
					if replayed != "true" {
						t.Errorf("post %d: %s = %q, want true", i+1, ReplayedHeader, replayed)
					}
					// A replayed 302 may name a Content-Type the first left out.
					if got := resp.Header.Get("Content-Type"); first != "" && got != first {
						t.Errorf("post %d: Content-Type %q, want %q", i+1, got, first)
					}
				}
			}
			if n := runs.Load(); n != 1 {
				t.Errorf("the function ran %d times, want 1", n)
			}
		})
	}
}

// TestOnceConcurrent sends 20 posts with one token at once: the function
// runs once and every post gets its answer.
func TestOnceConcurrent(t *testing.T) {
	app, runs := onceApp(t, Config{}, 20*time.Millisecond)
	token := formToken(t, app, "once_add")
	const n = 20
	var wg sync.WaitGroup
	var replayed atomic.Int64
	errs := make(chan string, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hr := oncePost(token, "milk", "HX-Request", "true")
			r := httpRequest(hr)
			resp, err := app.Test(r, -1)
			if err != nil {
				errs <- err.Error()
				return
			}
			defer resp.Body.Close()
			b := make([]byte, 256)
			k, _ := resp.Body.Read(b)
			if resp.StatusCode != 200 || string(b[:k]) != `<li class="task">milk</li>` {
				errs <- resp.Status + " " + string(b[:k])
			}
			if resp.Header.Get(ReplayedHeader) == "true" {
				replayed.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("a concurrent post got %s", e)
	}
	if got := runs.Load(); got != 1 {
		t.Errorf("the function ran %d times for one token, want 1", got)
	}
	if got := replayed.Load(); got != n-1 {
		t.Errorf("%d answers were replayed, want %d", got, n-1)
	}
}

// TestOnceFailedFirstCall checks that an error answer stores nothing: the
// corrected form goes through with the same token, once.
func TestOnceFailedFirstCall(t *testing.T) {
	storage := newCountingStorage()
	app, runs := onceApp(t, Config{OnceStorage: storage}, 0)
	for _, kv := range [][]string{nil, {"HX-Request", "true"}} {
		token := formToken(t, app, "once_add")
		runs.Store(0)
		storage.sets.Store(0)
		resp, _ := do(t, app, oncePost(token, "", kv...))
		if kv == nil && (resp.StatusCode != 302 || cookieNamed(resp, ConfigDefault.FlashCookie) == nil) {
			t.Fatalf("plain failed post: %d without flash, want 302 with flash", resp.StatusCode)
		}
		if kv != nil && resp.StatusCode != 422 {
			t.Fatalf("htmx failed post: %d, want 422", resp.StatusCode)
		}
		if n := storage.sets.Load(); n != 0 {
			t.Errorf("a failed call stored %d answers", n)
		}
		for i := range 2 {
			resp, body := do(t, app, oncePost(token, "milk", kv...))
			if resp.StatusCode >= 400 {
				t.Fatalf("corrected post %d: %d %q", i+1, resp.StatusCode, body)
			}
			if (resp.Header.Get(ReplayedHeader) == "true") != (i == 1) {
				t.Errorf("corrected post %d: %s = %q", i+1, ReplayedHeader, resp.Header.Get(ReplayedHeader))
			}
		}
		if n := runs.Load(); n != 2 {
			t.Errorf("the function ran %d times (failed + corrected), want 2", n)
		}
		if n := storage.sets.Load(); n != 1 {
			t.Errorf("the custom storage got %d Set calls, want 1", n)
		}
	}
	if storage.gets.Load() == 0 {
		t.Error("the custom storage was never read")
	}
	if storage.lastTTL != ConfigDefault.OnceTTL {
		t.Errorf("answers are kept for %v, want OnceTTL %v", storage.lastTTL, ConfigDefault.OnceTTL)
	}
}

// TestOnceRefused checks the tokens that are refused before the function
// runs: none, another function's, forged, altered, expired; and a token
// reused with other values.
func TestOnceRefused(t *testing.T) {
	app, runs := onceApp(t, Config{}, 0)
	sg := signer{keys: [][]byte{signKey}}
	other := formToken(t, app, "once_other")
	good := formToken(t, app, "once_add")
	alter := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	forgedKey := signer{keys: [][]byte{[]byte("another key, 32 bytes or longer!")}}
	value, _, _ := strings.Cut(good, ".")
	tests := []struct {
		name   string
		req    req
		status int
	}{
		{"missing", oncePost("", "milk"), 400},
		{"another function's", oncePost(other, "milk"), 400},
		{"signed with another key", oncePost(newOnceToken(forgedKey, "once_add", time.Hour), "milk"), 400},
		{"signature altered", oncePost(alter(good, len(good)-3), "milk"), 400},
		{"value altered", oncePost(alter(good, 2), "milk"), 400},
		{"unsigned", oncePost(value, "milk"), 400},
		{"garbage", oncePost("not-a-token", "milk"), 400},
		{"too long", oncePost(strings.Repeat("x", 600), "milk"), 400},
		{"flash-signed value", oncePost(sg.sign(purposeFlash, value), "milk"), 400},
		{"expired", oncePost(newOnceToken(sg, "once_add", -time.Second), "milk"), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRefusal(t, app, tt.req, tt.status)
			htmxReq := tt.req
			htmxReq.headers = withHeaders(tt.req.headers, "HX-Request", "true")
			checkRefusal(t, app, htmxReq, tt.status)
		})
	}
	resp, body := do(t, app, req{path: "/api/once_add", body: `{"title":"milk"}`, headers: jsonCT})
	if resp.StatusCode != 400 || !strings.Contains(body, `"error"`) {
		t.Errorf("json without Idempotency-Key: %d %q, want a 400 JSON error", resp.StatusCode, body)
	}
	if n := runs.Load(); n != 0 {
		t.Errorf("the function ran %d times for refused tokens", n)
	}

	// A form token with other values is a new submission (an htmx form that
	// stays on the page sends its token again), run once too.
	for i, title := range []string{"milk", "eggs", "milk", "eggs"} {
		resp, _ := do(t, app, oncePost(good, title, "HX-Request", "true"))
		replayed := resp.Header.Get(ReplayedHeader) == "true"
		if resp.StatusCode != 200 || replayed != (i >= 2) {
			t.Errorf("form token, post %d (%s): %d, replayed %v", i+1, title, resp.StatusCode, replayed)
		}
	}
	if n := runs.Load(); n != 2 {
		t.Errorf("the function ran %d times for two sets of values, want 2", n)
	}
	// An Idempotency-Key reused with another body: 409, not run.
	resp, _ = do(t, app, req{path: "/api/once_add", body: `{"title":"milk"}`, headers: withHeaders(jsonCT, "Idempotency-Key", "k1")})
	if resp.StatusCode != 200 {
		t.Fatalf("json first post: %d", resp.StatusCode)
	}
	resp, body = do(t, app, req{path: "/api/once_add", body: `{"title":"eggs"}`, headers: withHeaders(jsonCT, "Idempotency-Key", "k1")})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, `"error"`) {
		t.Errorf("same Idempotency-Key, other body: %d %q, want a 409 JSON error", resp.StatusCode, body)
	}
	if n := runs.Load(); n != 3 {
		t.Errorf("the function ran %d times, want 3", n)
	}
}

// checkRefusal sends r and checks its refusal with status: an htmx caller
// gets the status and an error fragment; a plain form post is sent back to
// its page with the status, the message and the typed values (not the
// token) in the flash, as for any error.
func checkRefusal(t *testing.T, app *fiber.App, r req, status int) {
	t.Helper()
	resp, body := do(t, app, r)
	if r.headers["HX-Request"] == "true" {
		if resp.StatusCode != status || !strings.Contains(body, "fiberfn-error") {
			t.Errorf("htmx: %d %q, want %d with an error fragment", resp.StatusCode, body, status)
		}
		return
	}
	flash := flashOf(t, resp)
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "/tasks" || flash == nil {
		t.Errorf("plain: %d to %q, flash %+v; want 302 back to /tasks with a flash", resp.StatusCode, resp.Header.Get("Location"), flash)
		return
	}
	if flash.Status != status || flash.Message == "" {
		t.Errorf("plain: flash %+v, want status %d and a message", flash, status)
	}
	if _, leaked := flash.Values[OnceField]; leaked || flash.Values["title"] == "" {
		t.Errorf("plain: flash values %v, want the title and not the token", flash.Values)
	}
}

// TestOnceExpiresWithTTL renders a token with a tiny Config.OnceTTL and
// sends it after it expired.
func TestOnceExpiresWithTTL(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a token to expire")
	}
	app, runs := onceApp(t, Config{OnceTTL: time.Millisecond}, 0)
	token := formToken(t, app, "once_add")
	time.Sleep(1100 * time.Millisecond) // tokens carry their expiry in seconds
	resp, body := do(t, app, oncePost(token, "milk", "HX-Request", "true"))
	if resp.StatusCode != 400 || !strings.Contains(body, "expired") {
		t.Errorf("expired token: %d %q, want 400 saying it expired", resp.StatusCode, body)
	}
	checkRefusal(t, app, oncePost(token, "milk"), http.StatusBadRequest)
	if runs.Load() != 0 {
		t.Error("the function ran with an expired token")
	}
}

// httpRequest builds the *http.Request of r, for goroutines that cannot use
// do (which may call t.Fatalf).
func httpRequest(r req) *http.Request {
	if r.method == "" {
		r.method = http.MethodPost
	}
	hr := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
	for k, v := range r.headers {
		hr.Header.Set(k, v)
	}
	withTestClient(hr)
	return hr
}

// Config.OnceScope keeps one client's Idempotency-Key from answering
// another user's request.
func TestOnceScopeSeparatesUsers(t *testing.T) {
	var runs atomic.Int64
	app, _ := testApp(t, Config{OnceScope: func(c *fiber.Ctx) string { return c.Get("X-User") }}, func(r *Registry) {
		RegisterOn(r, "scoped", func(c *fiber.Ctx, in struct{}) (string, error) {
			return "for " + c.Get("X-User") + " #" + strconv.FormatInt(runs.Add(1), 10), nil
		}, OnceOnly())
	}, nil)
	post := func(user string) string {
		_, body := do(t, app, req{path: "/api/scoped", body: `{}`, headers: withHeaders(jsonCT, "Idempotency-Key", "same-key", "X-User", user)})
		return body
	}
	if a1, b1, a2 := post("ann"), post("bob"), post("ann"); a1 != `"for ann #1"` || b1 != `"for bob #2"` || a2 != a1 {
		t.Fatalf("ann %s, bob %s, ann again %s", a1, b1, a2)
	}
}

// The same values in another order or encoding are the same submission.
func TestOnceSameValuesOtherEncoding(t *testing.T) {
	var runs atomic.Int64
	app, reg := testApp(t, Config{}, func(r *Registry) {
		RegisterOn(r, "enc", func(c *fiber.Ctx, in struct {
			Title string `form:"title"`
		}) (struct{}, error) {
			runs.Add(1)
			return struct{}{}, nil
		}, OnceOnly())
	}, nil)
	sg, ttl := reg.tokenSigner()
	token := url.QueryEscape(newOnceToken(sg, "enc", time.Duration(ttl)))
	for _, body := range []string{
		"filter=all&" + OnceField + "=" + token + "&title=Same+task",
		OnceField + "=" + token + "&filter=all&title=Same%20task",
	} {
		do(t, app, req{path: "/api/enc", body: body, headers: htmxForm()})
	}
	if n := runs.Load(); n != 1 {
		t.Fatalf("the function ran %d times for one submission sent twice", n)
	}
}
