package fiberfn

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// editInput is an edit form: a hidden id and filter, short and long text.
type editInput struct {
	ID          string `form:"id"`
	Filter      string `form:"filter"`
	Title       string `form:"title"`
	Notes       string `form:"notes"`
	Description string `form:"description"`
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// flashApp serves an "edit" function that always fails (its options
// opts), and GET /edit, a page showing edit.Form(c, stored) as "k=v"
// lines in key order. The flash cap is FlashMaxBytes (0: the default).
func flashApp(t testing.TB, maxBytes int, log *syncBuffer, opts ...Option) *fiber.App {
	t.Helper()
	reg := NewRegistry()
	edit := RegisterOn(reg, "edit", func(c *fiber.Ctx, in editInput) (struct{}, error) {
		return struct{}{}, FieldErrors{"title": "Title is taken."}
	}, opts...)
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	Mount(app, Config{Registry: reg, FlashMaxBytes: maxBytes, Logger: slog.New(slog.NewTextHandler(log, nil))})
	stored := map[string]string{"id": "42", "filter": "open", "title": "Stored title", "notes": "stored notes", "description": "stored description"}
	app.Get("/edit", func(c *fiber.Ctx) error {
		f := edit.Form(c, stored)
		keys := make([]string, 0, len(f.Values))
		for k := range f.Values {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		fmt.Fprintf(&b, "msg=%s\n", f.Message)
		for _, k := range keys {
			fmt.Fprintf(&b, "%s=%s\n", k, f.Values[k])
		}
		return c.SendString(b.String())
	})
	return app
}

// failAndReload posts form as a plain browser, follows the redirect back
// to /edit with the flash cookie, and returns the page's values and the
// size of the flash cookie's value.
func failAndReload(t testing.TB, app *fiber.App, form url.Values) (map[string]string, int) {
	t.Helper()
	resp, _ := do(t, app, req{path: "/api/edit", body: form.Encode(), headers: withHeaders(formCT, "Referer", "http://example.com/edit")})
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("post: status %d", resp.StatusCode)
	}
	var flash *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == ConfigDefault.FlashCookie {
			flash = ck
		}
	}
	if flash == nil {
		t.Fatal("no flash cookie")
	}
	_, page := do(t, app, req{method: "GET", path: "/edit", headers: map[string]string{"Cookie": flash.Name + "=" + flash.Value}})
	values := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(page, "\n"), "\n") {
		k, v, _ := strings.Cut(line, "=")
		values[k] = v
	}
	return values, len(flash.Value)
}

// TestFlashOverCapKeepsWhatFits: a failed plain post whose flash is over
// its cap keeps the values that fit, dropping the longest free text
// first, never the hidden id and filter or short values; the page's
// Form(c, stored) fills what was dropped from stored (issue 16 item 6).
func TestFlashOverCapKeepsWhatFits(t *testing.T) {
	long := func(ch string, n int) string { return strings.Repeat(ch, n) }
	tests := []struct {
		name    string
		form    url.Values
		opts    []Option
		want    map[string]string // values the page must show
		dropped []string          // fields the log must name
	}{
		{
			name: "under the cap, nothing dropped",
			form: url.Values{"id": {"42"}, "filter": {"open"}, "title": {"New title"}, "notes": {"short notes"}},
			want: map[string]string{"id": "42", "filter": "open", "title": "New title", "notes": "short notes", "description": "stored description", "msg": "Please correct the highlighted fields."},
		},
		{
			name:    "one long field over the cap",
			form:    url.Values{"id": {"42"}, "filter": {"open"}, "title": {"New title"}, "notes": {long("n", 1000)}},
			want:    map[string]string{"id": "42", "filter": "open", "title": "New title", "notes": "stored notes", "description": "stored description"},
			dropped: []string{"notes"},
		},
		{
			name:    "two long fields: only the longer goes",
			form:    url.Values{"id": {"42"}, "title": {"New title"}, "notes": {long("n", 500)}, "description": {long("d", 300)}},
			want:    map[string]string{"id": "42", "title": "New title", "notes": "stored notes", "description": long("d", 300), "filter": "open"},
			dropped: []string{"notes"},
		},
		{
			name:    "two long fields: both go when needed",
			form:    url.Values{"id": {"42"}, "title": {"New title"}, "notes": {long("n", 900)}, "description": {long("d", 800)}},
			want:    map[string]string{"id": "42", "title": "New title", "notes": "stored notes", "description": "stored description"},
			dropped: []string{"notes", "description"},
		},
		{
			name:    "unicode: sizes are bytes, nothing cut inside a character",
			form:    url.Values{"id": {"42"}, "title": {"Été 🌞"}, "notes": {long("é", 400)}, "description": {long("🌞", 100)}},
			want:    map[string]string{"id": "42", "title": "Été 🌞", "notes": "stored notes", "description": long("🌞", 100)},
			dropped: []string{"notes"},
		},
		{
			name:    "HTML escaping counts (<>& grow sixfold in JSON)",
			form:    url.Values{"id": {"42"}, "title": {"a<b>&c"}, "notes": {long("<", 150)}, "description": {long("d", 200)}},
			want:    map[string]string{"id": "42", "title": "a<b>&c", "notes": "stored notes", "description": long("d", 200)},
			dropped: []string{"notes"},
		},
		{
			name:    "a long hidden field is kept, declared with Hidden",
			form:    url.Values{"id": {long("i", 300)}, "filter": {long("f", 200)}, "title": {"t"}, "notes": {long("n", 250)}},
			opts:    []Option{Hidden("id", "filter")},
			want:    map[string]string{"id": long("i", 300), "filter": long("f", 200), "title": "t", "notes": "stored notes"},
			dropped: []string{"notes"},
		},
		{
			name: "many fields: the short ones stay, the long one goes",
			form: func() url.Values {
				v := url.Values{"id": {"42"}, "notes": {long("n", 700)}}
				for i := 0; i < 20; i++ {
					v.Set(fmt.Sprintf("tag%02d", i), fmt.Sprintf("value %d", i))
				}
				return v
			}(),
			want:    map[string]string{"id": "42", "tag00": "value 0", "tag19": "value 19", "notes": "stored notes"},
			dropped: []string{"notes"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log syncBuffer
			app := flashApp(t, 0, &log, tt.opts...)
			got, size := failAndReload(t, app, tt.form)
			if size > 1024 {
				t.Errorf("flash cookie %d bytes, over the 1024-byte cap", size)
			}
			for k, want := range tt.want {
				if got[k] != want {
					t.Errorf("%s = %.40q (%d bytes), want %.40q (%d bytes)", k, got[k], len(got[k]), want, len(want))
				}
			}
			for k, v := range got {
				if !utf8.ValidString(v) {
					t.Errorf("%s is not valid UTF-8", k)
				}
			}
			logged := log.String()
			for _, k := range tt.dropped {
				if !strings.Contains(logged, k+"(") {
					t.Errorf("the log does not name dropped %s: %q", k, logged)
				}
			}
			if len(tt.dropped) == 0 && logged != "" {
				t.Errorf("logged %q though nothing was dropped", logged)
			}
			for _, v := range tt.form {
				if len(v[0]) > 8 && strings.Contains(logged, v[0][:8]) {
					t.Errorf("the log shows a value: %q", logged)
				}
			}
		})
	}
}

// TestFlashCapBoundary: a flash exactly at the cap keeps everything; one
// byte more drops exactly the longest free-text value; a cap too small
// for even the short values drops them last, longest first, and the
// cookie never exceeds the cap.
func TestFlashCapBoundary(t *testing.T) {
	base := url.Values{"id": {"42"}, "filter": {"open"}, "title": {"New title"}, "description": {strings.Repeat("d", 100)}}
	var log syncBuffer
	// Find the size of the cookie with notes of n bytes, uncapped.
	sizeWith := func(n int) int {
		form := cloneValues(base)
		form.Set("notes", strings.Repeat("n", n))
		_, size := failAndReload(t, flashApp(t, 1<<20, &log), form)
		return size
	}
	// Notes long enough to be free text; find n with the cookie at 900 bytes.
	n := 200
	for sizeWith(n) < 900 {
		n++
	}
	limit := sizeWith(n)
	form := cloneValues(base)
	form.Set("notes", strings.Repeat("n", n))
	got, size := failAndReload(t, flashApp(t, limit, &log), form)
	if size != limit || got["notes"] != form.Get("notes") || got["description"] != form.Get("description") {
		t.Fatalf("at the cap (%d): cookie %d bytes, notes %d bytes, description %d bytes; want everything", limit, size, len(got["notes"]), len(got["description"]))
	}
	got, size = failAndReload(t, flashApp(t, limit-1, &log), form)
	if size > limit-1 || got["notes"] != "stored notes" || got["description"] != form.Get("description") || got["id"] != "42" {
		t.Fatalf("one byte over: cookie %d bytes, values %v; want notes dropped, the rest kept", size, got)
	}

	many := url.Values{}
	for i := 0; i < 200; i++ {
		many.Set(fmt.Sprintf("f%03d", i), strings.Repeat("v", i%40))
	}
	many.Set("id", "42")
	got, size = failAndReload(t, flashApp(t, 512, &log), many)
	if size > 512 {
		t.Fatalf("cookie %d bytes over the 512-byte cap", size)
	}
	if got["msg"] == "" {
		t.Errorf("the message was dropped before the values")
	}
	kept := 0
	for k := range got {
		if strings.HasPrefix(k, "f") {
			kept++
		}
	}
	t.Logf("at the cap (%d bytes) everything kept; %d of 200 short values kept under a 512-byte cap", limit, kept)
	if kept == 0 || kept == 200 {
		t.Errorf("%d of 200 short values kept; want as many as fit", kept)
	}
	if got["f000"] != "" || got["f040"] != "" {
		t.Errorf("empty values must be the last to go: f000=%q f040=%q", got["f000"], got["f040"])
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// TestFormMergesInitial: Form(c, initial) puts initial under the flash's
// values: what the user sent wins, even when empty; what the flash lacks
// comes from initial; the flash itself is not changed.
func TestFormMergesInitial(t *testing.T) {
	var log syncBuffer
	app := flashApp(t, 0, &log)
	got, _ := failAndReload(t, app, url.Values{"id": {"42"}, "title": {""}, "notes": {"typed"}})
	want := map[string]string{"id": "42", "title": "", "notes": "typed", "filter": "open", "description": "stored description"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

// TestFormKeepsAnUncheckedCheckbox: a checkbox the user unchecked sends
// nothing; Form must not check it again from initial.
func TestFormKeepsAnUncheckedCheckbox(t *testing.T) {
	type todo struct {
		ID    string `form:"id"`
		Title string `form:"title"`
		Done  bool   `form:"done"`
		Star  *bool  `form:"star"`
	}
	reg := NewRegistry()
	save := RegisterOn(reg, "save", func(c *fiber.Ctx, in todo) (struct{}, error) {
		return struct{}{}, FieldErrors{"title": "Too short."}
	})
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	Mount(app, Config{Registry: reg})
	app.Get("/", func(c *fiber.Ctx) error {
		f := save.Form(c, map[string]string{"id": "7", "title": "Stored", "done": "on", "star": "on"})
		return c.SendString(fmt.Sprintf("id=%s title=%s done=%q star=%q", f.Value("id"), f.Value("title"), f.Value("done"), f.Value("star")))
	})
	resp, _ := do(t, app, req{path: save.Path(), body: "id=7&title=ab&star=on", headers: withHeaders(formCT, "Referer", "http://example.com/")})
	var cookie string
	for _, ck := range resp.Cookies() {
		if ck.Name == ConfigDefault.FlashCookie {
			cookie = ck.Name + "=" + ck.Value
		}
	}
	_, page := do(t, app, req{method: "GET", path: "/", headers: map[string]string{"Cookie": cookie}})
	if want := `id=7 title=ab done="" star="on"`; page != want {
		t.Fatalf("page %q, want %q", page, want)
	}
}
