package fiberfn

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

var (
	keyOld = []byte("old key: 0123456789abcdef0123456")
	keyNew = []byte("new key: 0123456789abcdef0123456")
)

// signingApp registers s_add, whose empty title is a field error, and the
// page /edit that shows its form state (s_add.Form) as "message|title".
func signingApp(t testing.TB, cfg Config, fc fiber.Config) *fiber.App {
	var add *Fn[taskIn, taskOut]
	return setupApp(t, appSetup{
		cfg:   cfg,
		fiber: fc,
		register: func(r *Registry) {
			add = RegisterOn(r, "s_add", func(c *fiber.Ctx, in taskIn) (taskOut, error) {
				Response(c).SetCookie(&fiber.Cookie{Name: "fn_cookie", Value: "1"})
				if in.Title == "" {
					return taskOut{}, FieldErrors{"title": "Title is required."}
				}
				Notify(c, "Added.")
				return taskOut(in), nil
			})
		},
		routes: func(app *fiber.App) {
			app.Get("/edit", func(c *fiber.Ctx) error {
				fs := add.Form(c, map[string]string{"title": "initial"})
				if Flash(c) == nil && fs.Message != "" {
					return fiber.NewError(500, "Form shows a flash that Flash ignores")
				}
				return c.SendString(fs.Message + "|" + fs.Value("title") + "|" + fs.Error("title"))
			})
		},
	})
}

// postFlash posts a failing form and returns the flash cookie it got.
func postFlash(t *testing.T, app *fiber.App, body string, kv ...string) *http.Cookie {
	t.Helper()
	resp, _ := do(t, app, req{path: "/api/s_add", body: body, headers: withHeaders(formCT, kv...)})
	ck := cookieNamed(resp, ConfigDefault.FlashCookie)
	if resp.StatusCode != 302 || ck == nil {
		t.Fatalf("failing post: %d, flash %v; want 302 with a flash cookie", resp.StatusCode, ck)
	}
	return ck
}

func getEdit(t *testing.T, app *fiber.App, flash string) (*http.Response, string) {
	t.Helper()
	h := map[string]string{}
	if flash != "" {
		h["Cookie"] = ConfigDefault.FlashCookie + "=" + flash
	}
	return do(t, app, req{method: http.MethodGet, path: "/edit", headers: h})
}

// TestFlashSigned checks that Flash and Form read only a flash cookie
// signed with the app's keys for flashes, and read it once.
func TestFlashSigned(t *testing.T) {
	app := signingApp(t, Config{Keys: [][]byte{keyNew}}, fiber.Config{})
	ck := postFlash(t, app, "title=")
	resp, body := getEdit(t, app, ck.Value)
	if body != "Please correct the highlighted fields.||Title is required." {
		t.Errorf("genuine flash: %q", body)
	}
	if !cookieCleared(cookieNamed(resp, ConfigDefault.FlashCookie)) {
		t.Errorf("reading the flash does not clear its cookie")
	}
	if _, body := getEdit(t, app, ""); body != "|initial|" {
		t.Errorf("no flash: %q, want the initial values", body)
	}

	sg := signer{keys: [][]byte{keyNew}}
	state := func(fn, msg string) string {
		b, _ := json.Marshal(&FormState{Fn: fn, Status: 422, Message: msg, Values: map[string]string{"title": "evil"}})
		return base64.RawURLEncoding.EncodeToString(b)
	}
	value := state("s_add", "Forged")
	good := sealForTest(sg, purposeFlash, value)
	dot := strings.LastIndexByte(good, '.')
	forged := map[string]string{
		"unsigned":           value,
		"other key":          signer{keys: [][]byte{keyOld}}.sign(purposeFlash, value),
		"notice purpose":     sg.sign(purposeNotice, value),
		"once purpose":       sg.sign(purposeOnce, value),
		"value altered":      state("s_add", "Forgee") + good[dot:],
		"signature altered":  alterSignature(good),
		"signature short":    good[:len(good)-4],
		"empty signature":    value + ".",
		"not base64":         sg.sign(purposeFlash, "!!!"),
		"not JSON":           sg.sign(purposeFlash, base64.RawURLEncoding.EncodeToString([]byte("{"))),
		"old flash, new key": ck.Value[:strings.LastIndexByte(ck.Value, '.')] + good[dot:],
	}
	for name, cookie := range forged {
		t.Run(name, func(t *testing.T) {
			resp, body := getEdit(t, app, cookie)
			if body != "|initial|" {
				t.Errorf("forged flash read: %q", body)
			}
			if !cookieCleared(cookieNamed(resp, ConfigDefault.FlashCookie)) {
				t.Errorf("forged flash cookie not cleared")
			}
		})
	}
	// Genuine, but another function's: Form ignores it.
	if _, body := getEdit(t, app, sealForTest(sg, purposeFlash, state("other_fn", "Other"))); body != "|initial|" {
		t.Errorf("another function's flash shown by s_add.Form: %q", body)
	}
	if _, body := getEdit(t, app, good); body != "Forged|evil|" {
		t.Errorf("a flash signed with the app's key: %q (the forgeries above must differ only by their signature)", body)
	}
}

// TestKeyRotation checks that with Keys {new, old} cookies signed with
// the old key still verify and new ones are signed with the new key.
func TestKeyRotation(t *testing.T) {
	before := signingApp(t, Config{Keys: [][]byte{keyOld}}, fiber.Config{})
	after := signingApp(t, Config{Keys: [][]byte{keyNew, keyOld}}, fiber.Config{})
	old := postFlash(t, before, "title=")
	if _, body := getEdit(t, after, old.Value); body != "Please correct the highlighted fields.||Title is required." {
		t.Errorf("a flash signed with the old key after rotation: %q", body)
	}
	fresh := postFlash(t, after, "title=")
	if _, ok := (signer{keys: [][]byte{keyNew}}).open(purposeFlash, "c:"+testClient, time.Now(), fresh.Value); !ok {
		t.Errorf("a new flash is not signed with the new key")
	}
	if _, ok := (signer{keys: [][]byte{keyOld}}).open(purposeFlash, "c:"+testClient, time.Now(), fresh.Value); ok {
		t.Errorf("a new flash is signed with the old key")
	}
	// Dropping the old key retires its cookies.
	retired := signingApp(t, Config{Keys: [][]byte{keyNew}}, fiber.Config{})
	if _, body := getEdit(t, retired, old.Value); body != "|initial|" {
		t.Errorf("a flash signed with a dropped key: %q", body)
	}
	// Once-only tokens rotate the same way.
	tok := newOnceToken(signer{keys: [][]byte{keyOld}}, "f", ConfigDefault.OnceTTL)
	if !checkOnceToken(signer{keys: [][]byte{keyNew, keyOld}}, tok, "f", time.Now()) {
		t.Errorf("a once-only token signed with the old key does not verify after rotation")
	}
}

// TestShortKeysPanic checks that New refuses keys under 32 bytes.
func TestShortKeysPanic(t *testing.T) {
	tests := []struct {
		name  string
		keys  [][]byte
		panic bool
	}{
		{"31 bytes", [][]byte{make([]byte, 31)}, true},
		{"empty key", [][]byte{{}}, true},
		{"second key short", [][]byte{keyNew, []byte("short")}, true},
		{"32 bytes", [][]byte{make([]byte, 32)}, false},
		{"no keys", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if r := recover(); (r != nil) != tt.panic {
					t.Errorf("New panicked: %v, want a panic: %v", r, tt.panic)
				}
			}()
			New(Config{Keys: tt.keys, Registry: NewRegistry()})
		})
	}
}

// TestSecureCookies checks the Secure attribute of the flash, notice and
// Response(c) cookies: set by Config.SecureCookies or an HTTPS request
// (X-Forwarded-Proto from a trusted proxy), else not.
func TestSecureCookies(t *testing.T) {
	trusting := fiber.Config{EnableTrustedProxyCheck: true, TrustedProxies: []string{"0.0.0.0/0", "::/0"}}
	distrusting := fiber.Config{EnableTrustedProxyCheck: true, TrustedProxies: []string{"10.9.9.9"}}
	tests := []struct {
		name   string
		cfg    Config
		fc     fiber.Config
		https  bool
		secure bool
	}{
		{"http", Config{}, fiber.Config{}, false, false},
		{"SecureCookies", Config{SecureCookies: true}, fiber.Config{}, false, true},
		{"X-Forwarded-Proto, no proxy check", Config{}, fiber.Config{}, true, true},
		{"X-Forwarded-Proto from a trusted proxy", Config{}, trusting, true, true},
		{"X-Forwarded-Proto from an untrusted client", Config{}, distrusting, true, false},
		{"SecureCookies, untrusted client", Config{SecureCookies: true}, distrusting, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := signingApp(t, tt.cfg, tt.fc)
			var kv []string
			if tt.https {
				kv = []string{"X-Forwarded-Proto", "https"}
			}
			check := func(resp *http.Response, names ...string) {
				t.Helper()
				for _, name := range names {
					if name != "fn_cookie" {
						// fiberfn's own cookies are __Host- cookies when Secure.
						name = cookieName(name, tt.secure)
					}
					ck := cookieNamed(resp, name)
					if ck == nil {
						t.Errorf("no %s cookie", name)
					} else if ck.Secure != tt.secure {
						t.Errorf("%s cookie Secure = %v, want %v", name, ck.Secure, tt.secure)
					}
				}
			}
			resp, _ := do(t, app, req{path: "/api/s_add", body: "title=", headers: withHeaders(formCT, kv...)})
			check(resp, ConfigDefault.FlashCookie, "fn_cookie")
			if tt.secure {
				// The test client's cookie has no __Host- name, so it does
				// not count over HTTPS: the flash came with a new one.
				check(resp, ConfigDefault.ClientCookie)
				if ck := cookieNamed(resp, hostPrefix+ConfigDefault.ClientCookie); ck != nil && (ck.Path != "/" || ck.Domain != "" || !ck.HttpOnly) {
					t.Errorf("client cookie %+v, want Path=/, no Domain, HttpOnly", ck)
				}
			}
			resp, _ = do(t, app, req{path: "/api/s_add", body: "title=milk", headers: withHeaders(formCT, kv...)})
			check(resp, ConfigDefault.NoticeCookie, "fn_cookie")
			resp, _ = do(t, app, req{method: http.MethodGet, path: "/edit", headers: withHeaders(map[string]string{"Cookie": cookieName(ConfigDefault.FlashCookie, tt.secure) + "=x"}, kv...)})
			check(resp, ConfigDefault.FlashCookie) // the clearing cookie
		})
	}
}

// TestFlashCap checks that the flash and notice cookies never exceed the
// cap, however much was posted, and still carry the message.
func TestFlashCap(t *testing.T) {
	huge := strings.Repeat("x", 100<<10)
	var form strings.Builder
	form.WriteString("title=" + huge)
	fields := FieldErrors{}
	for i := range 200 {
		name := fmt.Sprintf("field_%03d", i)
		fmt.Fprintf(&form, "&%s=%s", name, strings.Repeat("v", 500))
		fields[name] = strings.Repeat("This field is wrong. ", 10)
	}
	tests := []struct {
		name  string
		cfg   Config
		fc    fiber.Config
		limit int
	}{
		{"default", Config{}, fiber.Config{}, 4096 / 4},
		{"bigger read buffer", Config{}, fiber.Config{ReadBufferSize: 16 << 10}, 4 << 10},
		{"FlashMaxBytes", Config{FlashMaxBytes: 700}, fiber.Config{}, 700},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var long string
			app := setupApp(t, appSetup{cfg: tt.cfg, fiber: tt.fc, register: func(r *Registry) {
				RegisterOn(r, "cap_fields", func(c *fiber.Ctx, in taskIn) (struct{}, error) {
					return struct{}{}, fields
				}, BodyLimit(4<<20))
				RegisterOn(r, "cap_message", func(c *fiber.Ctx, in taskIn) (struct{}, error) {
					return struct{}{}, ServerError("Too long: "+huge, http.StatusBadRequest)
				}, BodyLimit(4<<20))
				RegisterOn(r, "cap_notice", func(c *fiber.Ctx, in taskIn) (struct{}, error) {
					Notify(c, "Done: "+strings.Repeat("é", 50<<10))
					return struct{}{}, nil
				}, BodyLimit(4<<20))
			}, routes: func(app *fiber.App) {
				app.Get("/show", func(c *fiber.Ctx) error {
					long = Notice(c)
					if fs := Flash(c); fs != nil {
						return c.SendString(fs.Message)
					}
					return c.SendString("")
				})
			}})
			for _, fn := range []string{"cap_fields", "cap_message", "cap_notice"} {
				resp, _ := do(t, app, req{path: "/api/" + fn, body: form.String(), headers: formCT})
				name := ConfigDefault.FlashCookie
				if fn == "cap_notice" {
					name = ConfigDefault.NoticeCookie
				}
				ck := cookieNamed(resp, name)
				if resp.StatusCode != 302 || ck == nil {
					t.Fatalf("%s: %d, cookie %v", fn, resp.StatusCode, ck)
				}
				if len(ck.Value) > tt.limit {
					t.Errorf("%s: cookie is %d bytes, over the cap of %d", fn, len(ck.Value), tt.limit)
				}
				// The next page reads it back (no 431), with a message.
				resp, body := do(t, app, req{method: http.MethodGet, path: "/show", headers: map[string]string{"Cookie": name + "=" + ck.Value}})
				if resp.StatusCode != 200 {
					t.Fatalf("%s: next page %d", fn, resp.StatusCode)
				}
				switch fn {
				case "cap_fields":
					if body != validationMessage {
						t.Errorf("%s: flash message %q", fn, body)
					}
				case "cap_message":
					if !strings.HasPrefix(body, "Too long: xxx") {
						t.Errorf("%s: flash message %q", fn, body)
					}
				case "cap_notice":
					if !strings.HasPrefix(long, "Done: éé") || !strings.HasSuffix(long, "é") {
						t.Errorf("%s: notice %.40q... (%d bytes), want its start, cut between characters", fn, long, len(long))
					}
				}
			}
		})
	}
}
