package fiberfn

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// clientCookieOf is the Cookie header of the client with cookie value id.
func clientCookieOf(id string) string { return ConfigDefault.ClientCookie + "=" + id }

// Issue 17.2: a stored answer is replayed only to the client that stored
// it; another client with the same Idempotency-Key or form token, same
// body or other, gets what a fresh key gets, and cannot tell the key was
// used.
func TestOnceAnswerOnlyForItsOwner(t *testing.T) {
	app, runs := onceApp(t, Config{}, 0)
	alice, bob, carol := clientCookieOf("alice-client-000000000"), clientCookieOf("bob-client-00000000000"), clientCookieOf("carol-client-000000000")
	post := func(client, key, title string) (*http.Response, string) {
		return do(t, app, req{path: "/api/once_add", body: `{"title":"` + title + `"}`,
			headers: withHeaders(jsonCT, "Idempotency-Key", key, "Cookie", client)})
	}
	first, firstBody := post(alice, "k-1", "alice's")
	if first.StatusCode != 200 || first.Header.Get(ReplayedHeader) != "" {
		t.Fatalf("alice: %d %q", first.StatusCode, firstBody)
	}
	for _, tt := range []struct{ name, client, title string }{
		{"same body", bob, "alice's"},
		{"other body", carol, "carol's"},
	} {
		resp, body := post(tt.client, "k-1", tt.title)
		fresh, freshBody := post(tt.client, "k-fresh-"+tt.name, tt.title)
		if resp.StatusCode != 200 || resp.Header.Get(ReplayedHeader) != "" || body != freshBody || fresh.StatusCode != 200 {
			t.Errorf("%s: another client with alice's key got %d %q (replayed %q); with a fresh key %d %q",
				tt.name, resp.StatusCode, body, resp.Header.Get(ReplayedHeader), fresh.StatusCode, freshBody)
		}
	}
	if resp, body := post(alice, "k-1", "alice's"); resp.Header.Get(ReplayedHeader) != "true" || body != firstBody {
		t.Errorf("alice again: %q (replayed %q), want her answer replayed", body, resp.Header.Get(ReplayedHeader))
	}
	if n := runs.Load(); n != 5 {
		t.Errorf("%d runs, want 5 (alice, bob and carol with her key and with fresh keys)", n)
	}

	// A form token copied from alice's page: another client's post is a
	// submission of its own, as with a fresh token.
	runs.Store(0)
	token := formToken(t, app, "once_add")
	do(t, app, oncePost(token, "milk", "HX-Request", "true", "Cookie", alice))
	resp, body := do(t, app, oncePost(token, "milk", "HX-Request", "true", "Cookie", bob))
	if resp.Header.Get(ReplayedHeader) != "" || resp.Header.Get("HX-Reswap") == "none" || body != `<li class="task">milk</li>` {
		t.Errorf("alice's token from bob: %d %q, replayed %q; want a run of his own", resp.StatusCode, body, resp.Header.Get(ReplayedHeader))
	}
	if n := runs.Load(); n != 2 {
		t.Errorf("%d runs for alice's and bob's posts of one token, want 2", n)
	}
}

// A once-only request from a client without identity is refused, the
// same whether or not its token was used, and gets a client cookie for
// its retry; Config.OnceScope places clients without cookies.
func TestOnceWithoutClient(t *testing.T) {
	app, runs := onceApp(t, Config{}, 0)
	used := formToken(t, app, "once_add")
	do(t, app, oncePost(used, "milk", "HX-Request", "true"))
	runs.Store(0)
	var bodies []string
	for _, token := range []string{used, formToken(t, app, "once_add")} {
		resp, body := do(t, app, oncePost(token, "milk", "HX-Request", "true", "Cookie", noClient))
		ck := cookieNamed(resp, ConfigDefault.ClientCookie)
		if resp.StatusCode != 400 || !strings.Contains(body, "cookie") || ck == nil || len(ck.Value) != clientIDLen {
			t.Errorf("no client: %d %q, client cookie %v; want 400 and a client cookie", resp.StatusCode, body, ck)
		}
		bodies = append(bodies, body)
		if ck == nil {
			t.Fatal("no client cookie to retry with")
		}
		// The retry, with the cookie the refusal set, goes through.
		resp, _ = do(t, app, oncePost(token, "milk", "HX-Request", "true", "Cookie", ck.Name+"="+ck.Value))
		if resp.StatusCode != 200 || resp.Header.Get(ReplayedHeader) != "" {
			t.Errorf("the retry with the new client cookie: %d replayed %q, want a run", resp.StatusCode, resp.Header.Get(ReplayedHeader))
		}
	}
	if bodies[0] != bodies[1] {
		t.Errorf("a used and a fresh token without a client: %q vs %q", bodies[0], bodies[1])
	}
	resp, body := do(t, app, req{path: "/api/once_add", body: `{"title":"x"}`, headers: withHeaders(jsonCT, "Idempotency-Key", "k", "Cookie", noClient)})
	if resp.StatusCode != 400 || !strings.Contains(body, `"error"`) {
		t.Errorf("JSON without a client: %d %q, want a 400 JSON error", resp.StatusCode, body)
	}
	if n := runs.Load(); n != 2 {
		t.Errorf("%d runs, want 2 (the retries)", n)
	}

	// OnceScope places clients without cookies, and wins over the cookie:
	// a user's retry from another device is answered too.
	scoped, scopedRuns := onceApp(t, Config{OnceScope: func(c *fiber.Ctx) string { return c.Get("X-User") }}, 0)
	send := func(user, cookie string) *http.Response {
		resp, _ := do(t, scoped, req{path: "/api/once_add", body: `{"title":"x"}`, headers: withHeaders(jsonCT, "Idempotency-Key", "k", "X-User", user, "Cookie", cookie)})
		return resp
	}
	if r := send("ann", noClient); r.StatusCode != 200 || r.Header.Get(ReplayedHeader) != "" {
		t.Errorf("ann without cookies: %d", r.StatusCode)
	}
	if r := send("ann", clientCookieOf("another-device-0000000")); r.Header.Get(ReplayedHeader) != "true" {
		t.Errorf("ann from another device: not replayed")
	}
	if r := send("bob", noClient); r.StatusCode != 200 || r.Header.Get(ReplayedHeader) != "" {
		t.Errorf("bob with ann's key: %d replayed %q, want a run", r.StatusCode, r.Header.Get(ReplayedHeader))
	}
	if r := send("", noClient); r.StatusCode != 400 {
		t.Errorf("no user and no cookie: %d, want 400", r.StatusCode)
	}
	if n := scopedRuns.Load(); n != 2 {
		t.Errorf("%d runs, want 2", n)
	}
}

// A claim whose lease ran out with no answer (its instance died) is never
// run again: 409, saying so. A stored answer that cannot be read is not
// run again either.
func TestOnceLostClaimNeverRunsAgain(t *testing.T) {
	store := NewMemoryOnceStore()
	var logs bytes.Buffer
	app, runs := onceApp(t, Config{OnceStore: store, Logger: slog.New(slog.NewTextHandler(&logs, nil))}, 0)
	body := `{"title":"milk"}`
	owner := "c:" + testClient
	key := onceKey("once_add", "dead-key", owner, "", true)
	if res, _ := store.Claim(context.Background(), key, "a run on a dead instance", time.Millisecond, time.Hour); res.Status != ClaimWon {
		t.Fatal(res.Status)
	}
	time.Sleep(5 * time.Millisecond)
	for _, kv := range [][]string{nil, {"HX-Request", "true"}} {
		r := req{path: "/api/once_add", body: body, headers: withHeaders(jsonCT, append([]string{"Idempotency-Key", "dead-key"}, kv...)...)}
		resp, got := do(t, app, r)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(got, "at most once, also across crashes") {
			t.Errorf("a key whose claim's lease ran out: %d %q, want 409 saying it runs at most once", resp.StatusCode, got)
		}
	}
	corrupt := onceKey("once_add", "corrupt-key", owner, "", true)
	store.Claim(context.Background(), corrupt, "r", time.Minute, time.Hour)
	store.Finish(context.Background(), corrupt, "r", []byte(`{"c":1,"s":200}`), time.Hour) // the old JSON form
	resp, got := do(t, app, req{path: "/api/once_add", body: body, headers: withHeaders(jsonCT, "Idempotency-Key", "corrupt-key")})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(logs.String(), "cannot be read") {
		t.Errorf("an unreadable stored answer: %d %q (log %q), want 409 and a logged error", resp.StatusCode, got, logs.String())
	}
	if n := runs.Load(); n != 0 {
		t.Errorf("the function ran %d times", n)
	}
}

// A request that finds its key running elsewhere waits up to OnceWait,
// then gets 409 with Retry-After.
func TestOnceBusyRetryAfter(t *testing.T) {
	store := NewMemoryOnceStore()
	app, runs := onceApp(t, Config{OnceStore: store, OnceWait: 50 * time.Millisecond, OnceLease: 3 * time.Second}, 0)
	key := onceKey("once_add", "busy-key", "c:"+testClient, "", true)
	store.Claim(context.Background(), key, "another instance's run", time.Hour, time.Hour)
	resp, body := do(t, app, req{path: "/api/once_add", body: `{"title":"milk"}`, headers: withHeaders(jsonCT, "Idempotency-Key", "busy-key")})
	if resp.StatusCode != http.StatusConflict || resp.Header.Get("Retry-After") != "3" || !strings.Contains(body, "still being processed") {
		t.Errorf("a key running elsewhere: %d %q, Retry-After %q; want 409, 3", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	if runs.Load() != 0 {
		t.Error("the function ran")
	}
}

// New refuses a shared once store without shared keys (issue 15: the
// multi-instance rule), and warns about a fiber.Storage that cannot claim
// atomically.
func TestOnceStoreConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"OnceStore":   {OnceStore: NewMemoryOnceStore()},
		"OnceStorage": {OnceStorage: newCountingStorage()},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "Config.Keys") {
					t.Errorf("New with %s and no Keys: %v, want a panic naming Config.Keys", name, r)
				}
			}()
			cfg.Registry = NewRegistry()
			New(cfg)
		})
	}
	var logs bytes.Buffer
	New(Config{Registry: NewRegistry(), Keys: [][]byte{signKey}, OnceStorage: newCountingStorage(), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if !strings.Contains(logs.String(), "cannot claim a key atomically") {
		t.Errorf("no warning for a fiber.Storage: %q", logs.String())
	}
	logs.Reset()
	p := &plugin{}
	cfg := configDefault(Config{Keys: [][]byte{signKey}, OnceStorage: &storageAndStore{OnceStore: NewMemoryOnceStore()}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	p.once = newOnceStore(&cfg)
	if _, ok := p.once.store.(*storageAndStore); !ok || logs.Len() != 0 {
		t.Errorf("a fiber.Storage that is an OnceStore is wrapped (%T) or warned about (%q)", p.once.store, logs.String())
	}
}

// storageAndStore is both a fiber.Storage and an OnceStore.
type storageAndStore struct {
	OnceStore
	countingStorage
}

// Issue 17.4: flash and notice cookies are bound to the client they were
// made for and expire a minute later, inside the signature.
func TestSealedCookiesBound(t *testing.T) {
	app := signingApp(t, Config{Keys: [][]byte{keyNew}}, fiber.Config{})
	alice := clientCookieOf("alice-client-000000000")
	resp, _ := do(t, app, req{path: "/api/s_add", body: "title=", headers: withHeaders(formCT, "Cookie", alice)})
	flash := cookieNamed(resp, ConfigDefault.FlashCookie)
	edit := func(client string) string {
		_, body := do(t, app, req{method: http.MethodGet, path: "/edit", headers: map[string]string{"Cookie": ConfigDefault.FlashCookie + "=" + flash.Value + "; " + client}})
		return body
	}
	if got := edit(clientCookieOf("bob-client-00000000000")); got != "|initial|" {
		t.Errorf("alice's flash on bob's page: %q", got)
	}
	if got := edit(noClient); got != "|initial|" {
		t.Errorf("alice's flash without a client cookie: %q", got)
	}
	if got := edit(alice); got == "|initial|" {
		t.Errorf("alice's flash on her own page was not shown")
	}
	sg := signer{keys: [][]byte{keyNew}}
	expired := sg.seal(purposeFlash, "c:alice-client-000000000", time.Now().Add(-time.Second), flash.Value[strings.IndexByte(flash.Value, '~')+1:strings.LastIndexByte(flash.Value, '.')])
	if _, body := do(t, app, req{method: http.MethodGet, path: "/edit", headers: map[string]string{"Cookie": ConfigDefault.FlashCookie + "=" + expired + "; " + alice}}); body != "|initial|" {
		t.Errorf("an expired flash: %q", body)
	}

	resp, _ = do(t, app, req{path: "/api/s_add", body: "title=milk", headers: withHeaders(formCT, "Cookie", alice)})
	notice := cookieNamed(resp, ConfigDefault.NoticeCookie)
	for client, want := range map[string]bool{alice: true, clientCookieOf("bob-client-00000000000"): false} {
		p := &plugin{signer: sg}
		_, ok := p.signer.open(purposeNotice, "c:"+strings.TrimPrefix(client, ConfigDefault.ClientCookie+"="), time.Now(), notice.Value)
		if ok != want {
			t.Errorf("alice's notice opened for %s: %v, want %v", client, ok, want)
		}
	}
}

// The client cookie: given with an HTML page to a client without one (not
// with other answers, nor with pages a shared cache may keep), checked
// for its form, __Host- when Secure; Config.ClientID replaces it.
func TestClientCookie(t *testing.T) {
	page := func(c *fiber.Ctx) error {
		if cc := c.Query("cc"); cc != "" {
			c.Set(fiber.HeaderCacheControl, cc)
		}
		if c.Query("type") == "text" {
			return c.SendString("text")
		}
		c.Type("html")
		return c.SendString("<p>page</p>")
	}
	tests := []struct {
		name, path, cookie string
		cfg                Config
		https              bool
		want               string // the cookie's name, "" for none
	}{
		{"html page", "/p", noClient, Config{}, false, "fiberfn_client"},
		{"html page over https", "/p", noClient, Config{}, true, "__Host-fiberfn_client"},
		{"has one", "/p", clientCookieOf(testClient), Config{}, false, ""},
		{"malformed one", "/p", clientCookieOf("short"), Config{}, false, "fiberfn_client"},
		{"not base64url", "/p", clientCookieOf("!!!!!!!!!!!!!!!!!!!!!!"), Config{}, false, "fiberfn_client"},
		{"text", "/p?type=text", noClient, Config{}, false, ""},
		{"public page", "/p?cc=public,max-age=60", noClient, Config{}, false, ""},
		{"shared-cache page", "/p?cc=s-maxage=60", noClient, Config{}, false, ""},
		{"private page", "/p?cc=private", noClient, Config{}, false, "fiberfn_client"},
		{"ClientID", "/p", noClient, Config{ClientID: func(c *fiber.Ctx) string { return "session-1" }}, false, ""},
		{"ClientID without a value", "/p", noClient, Config{ClientID: func(c *fiber.Ctx) string { return "" }}, false, "fiberfn_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := setupApp(t, appSetup{cfg: tt.cfg, routes: func(app *fiber.App) { app.Get("/p", page) }})
			h := map[string]string{"Cookie": tt.cookie}
			if tt.https {
				h["X-Forwarded-Proto"] = "https"
			}
			resp, _ := do(t, app, req{method: http.MethodGet, path: tt.path, headers: h})
			got := ""
			for _, ck := range resp.Cookies() {
				if strings.HasSuffix(ck.Name, "fiberfn_client") {
					got = ck.Name
					if len(ck.Value) != clientIDLen || !ck.HttpOnly || ck.Path != "/" || ck.Secure != tt.https || ck.MaxAge < 300*86400 {
						t.Errorf("client cookie %+v", ck)
					}
				}
			}
			if got != tt.want {
				t.Errorf("client cookie %q, want %q", got, tt.want)
			}
		})
	}
}
