package fiberfn

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fiberfn/fiberfn/fiberfn/htmx"
	"github.com/gofiber/fiber/v2"
)

// noticeApp registers functions that notify, and the page that shows the
// notice.
func noticeApp(t testing.TB) *fiber.App {
	return setupApp(t, appSetup{
		register: func(r *Registry) {
			RegisterOn(r, "n_add", func(c *fiber.Ctx, in taskIn) (taskOut, error) {
				Notify(c, "Task <"+in.Title+"> added.")
				return taskOut(in), nil
			}, Render("frag"))
			RegisterOn(r, "n_trigger", func(c *fiber.Ctx, in taskIn) (taskOut, error) {
				if err := htmx.Trigger(c, "taskAdded", 7); err != nil {
					return taskOut{}, err
				}
				Notify(c, "Added.")
				return taskOut(in), nil
			}, Render("frag"))
			RegisterOn(r, "n_fail", func(c *fiber.Ctx, in taskIn) (taskOut, error) {
				Notify(c, "Task added.")
				return taskOut{}, ServerError("Disk full.", http.StatusInsufficientStorage)
			}, Render("frag"))
			RegisterOn(r, "n_redirect", func(c *fiber.Ctx, in taskIn) (taskOut, error) {
				Notify(c, "Saved.")
				return taskOut(in), Redirect(c, "/tasks")
			})
		},
		routes: func(app *fiber.App) {
			app.Get("/tasks", func(c *fiber.Ctx) error {
				first := Notice(c)
				if again := Notice(c); again != first {
					return fiber.NewError(500, "Notice changed within a request: "+first+" then "+again)
				}
				return c.Render("notice", fiber.Map{"Notice": first})
			})
		},
	})
}

// noticeTrigger returns the detail of the fiberfn:notice event of an
// HX-Trigger header, and whether it is there.
func noticeTrigger(t *testing.T, header string) (any, bool) {
	t.Helper()
	if header == "" {
		return nil, false
	}
	var events map[string]any
	if err := json.Unmarshal([]byte(header), &events); err != nil {
		t.Fatalf("HX-Trigger %q is not JSON: %v", header, err)
	}
	v, ok := events[NoticeEvent]
	return v, ok
}

// cookieCleared reports whether ck tells the browser to drop the cookie.
func cookieCleared(ck *http.Cookie) bool {
	return ck != nil && ck.Value == "" && (ck.MaxAge < 0 || !ck.Expires.IsZero() && ck.Expires.Before(time.Now()))
}

// TestNoticeAcrossRedirect checks the plain form post: a signed cookie on
// the 302, read once on the next page, which clears it.
func TestNoticeAcrossRedirect(t *testing.T) {
	app := noticeApp(t)
	for _, path := range []string{"/api/n_add", "/api/n_redirect"} {
		resp, _ := do(t, app, req{path: path, body: "title=milk", headers: withHeaders(formCT, "Referer", "http://example.com/tasks")})
		if resp.StatusCode != 302 || resp.Header.Get("Location") != "/tasks" {
			t.Fatalf("%s: %d to %q, want 302 to /tasks", path, resp.StatusCode, resp.Header.Get("Location"))
		}
		ck := cookieNamed(resp, ConfigDefault.NoticeCookie)
		if ck == nil || ck.Value == "" {
			t.Fatalf("%s: no notice cookie", path)
		}
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.MaxAge <= 0 {
			t.Errorf("notice cookie %+v, want HttpOnly, SameSite=Lax, Path=/ and a lifetime", ck)
		}
		if _, ok := (signer{keys: [][]byte{signKey}}).open(purposeNotice, clientOf(resp), time.Now(), ck.Value); !ok {
			t.Errorf("notice cookie %q is not signed for notices", ck.Value)
		}
		wantHeader(t, resp, "HX-Trigger", "")

		resp, body := do(t, app, req{method: http.MethodGet, path: "/tasks", headers: map[string]string{"Cookie": ck.Name + "=" + ck.Value}})
		want := "<p>Task &lt;milk&gt; added.</p>"
		if path == "/api/n_redirect" {
			want = "<p>Saved.</p>"
		}
		if resp.StatusCode != 200 || body != want {
			t.Errorf("next page: %d %q, want %q", resp.StatusCode, body, want)
		}
		if cl := cookieNamed(resp, ConfigDefault.NoticeCookie); !cookieCleared(cl) {
			t.Errorf("next page does not clear the notice cookie: %+v", cl)
		}
		// The browser dropped the cookie: the page after shows nothing.
		if _, body := do(t, app, req{method: http.MethodGet, path: "/tasks"}); body != "<p></p>" {
			t.Errorf("page after: %q, want no notice", body)
		}
	}
}

// TestNoticePerCaller checks who gets a notice, and how.
func TestNoticePerCaller(t *testing.T) {
	app := noticeApp(t)
	tests := []struct {
		name    string
		req     req
		status  int
		trigger any // the fiberfn:notice detail, nil for none
		cookie  bool
	}{
		{"htmx2", req{path: "/api/n_add", body: "title=milk", headers: htmxForm()}, 200, "Task <milk> added.", false},
		{"htmx4", req{path: "/api/n_add", body: "title=milk", headers: htmxForm("HX-Request-Type", "partial")}, 200, "Task <milk> added.", false},
		{"htmx4 boosted", req{path: "/api/n_add", body: "title=milk", headers: htmxForm("HX-Boosted", "true", "HX-Request-Type", "full")}, 302, nil, true},
		{"htmx redirect: the next page shows it", req{path: "/api/n_redirect", body: "title=milk", headers: htmxForm()}, 200, nil, true},
		{"json", req{path: "/api/n_add", body: `{"title":"milk"}`, headers: jsonCT}, 200, nil, false},
		{"json redirect", req{path: "/api/n_redirect", body: `{"title":"milk"}`, headers: jsonCT}, 200, nil, false},
		{"error, plain", req{path: "/api/n_fail", body: "title=milk", headers: formCT}, 302, nil, false},
		{"error, htmx", req{path: "/api/n_fail", body: "title=milk", headers: htmxForm()}, 507, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, app, tt.req)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d %q, want %d", resp.StatusCode, body, tt.status)
			}
			got, ok := noticeTrigger(t, resp.Header.Get("HX-Trigger"))
			if tt.trigger == nil && ok {
				t.Errorf("HX-Trigger %q, want no notice event", resp.Header.Get("HX-Trigger"))
			}
			if tt.trigger != nil && got != tt.trigger {
				t.Errorf("HX-Trigger %q, want %s with %q", resp.Header.Get("HX-Trigger"), NoticeEvent, tt.trigger)
			}
			if ck := cookieNamed(resp, ConfigDefault.NoticeCookie); (ck != nil) != tt.cookie {
				t.Errorf("notice cookie %+v, want one: %v", ck, tt.cookie)
			}
		})
	}

	// A notice beside the function's own event: both in one header.
	resp, _ := do(t, app, req{path: "/api/n_trigger", body: "title=milk", headers: htmxForm()})
	var events map[string]any
	if err := json.Unmarshal([]byte(resp.Header.Get("HX-Trigger")), &events); err != nil ||
		events["taskAdded"] != float64(7) || events[NoticeEvent] != "Added." || len(resp.Header.Values("HX-Trigger")) != 1 {
		t.Errorf("HX-Trigger = %q, want taskAdded and %s in one JSON header", resp.Header.Values("HX-Trigger"), NoticeEvent)
	}
}

// TestNoticeForged checks that a notice cookie not signed by the app's keys
// for notices is ignored, and cleared.
func TestNoticeForged(t *testing.T) {
	app := noticeApp(t)
	value := base64.RawURLEncoding.EncodeToString([]byte("You won!"))
	good := sealForTest(signer{keys: [][]byte{signKey}}, purposeNotice, value)
	other := signer{keys: [][]byte{[]byte("another key, 32 bytes or longer!")}}
	tests := map[string]string{
		"unsigned":           value,
		"other key":          other.sign(purposeNotice, value),
		"flash purpose":      signer{keys: [][]byte{signKey}}.sign(purposeFlash, value),
		"value altered":      base64.RawURLEncoding.EncodeToString([]byte("You lost")) + good[strings.LastIndexByte(good, '.'):],
		"signature altered":  alterSignature(good),
		"signature dropped":  value + ".",
		"not base64 payload": signer{keys: [][]byte{signKey}}.sign(purposeNotice, "%%%"),
	}
	for name, cookie := range tests {
		t.Run(name, func(t *testing.T) {
			resp, body := do(t, app, req{method: http.MethodGet, path: "/tasks", headers: map[string]string{"Cookie": ConfigDefault.NoticeCookie + "=" + cookie}})
			if body != "<p></p>" {
				t.Errorf("forged notice shown: %q", body)
			}
			if cl := cookieNamed(resp, ConfigDefault.NoticeCookie); !cookieCleared(cl) {
				t.Errorf("forged notice cookie not cleared: %+v", cl)
			}
		})
	}
	// The genuine one, for contrast.
	if _, body := do(t, app, req{method: http.MethodGet, path: "/tasks", headers: map[string]string{"Cookie": ConfigDefault.NoticeCookie + "=" + good}}); body != "<p>You won!</p>" {
		t.Errorf("genuine notice: %q", body)
	}
}
