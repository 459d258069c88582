package tests

// Static files and compression over HTTP: pages link the stylesheets and
// scripts under versioned URLs that may be cached for a year, and HTML,
// CSS and JavaScript go out compressed to clients that accept it.

import (
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/fiberfn/fiberfn/demo/app"
	"github.com/fiberfn/fiberfn/public"
)

var staticLink = regexp.MustCompile(`(?:href|src)="(/public/[^"]+)"`)

// get fetches path with the Accept-Encoding given ("" for none; Go's
// transport then neither asks for nor decodes compression).
func get(t *testing.T, url, acceptEncoding string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestDemoStaticFiles(t *testing.T) {
	for _, version := range []string{public.HTMXDefault, public.HTMXLegacy} {
		t.Run("htmx-"+version, func(t *testing.T) {
			d := startDemo(t, app.Options{HTMXVersion: version})
			resp, page := get(t, d.URL+"/login", "")
			if resp.StatusCode != 200 {
				t.Fatalf("/login: %d", resp.StatusCode)
			}
			links := staticLink.FindAllStringSubmatch(string(page), -1)
			want := map[string]bool{"css/app.css": false, "css/demo.css": false, "js/app.js": false, public.HTMXFile(version): false}
			prefix := "/public/" + d.App.Assets.Version() + "/"
			if len(d.App.Assets.Version()) != 12 {
				t.Fatalf("version %q, want 12 hex digits", d.App.Assets.Version())
			}
			for _, l := range links {
				path := l[1]
				name, ok := strings.CutPrefix(path, prefix)
				if !ok {
					t.Errorf("the page links %s, not under the versioned %s", path, prefix)
					continue
				}
				if _, known := want[name]; known {
					want[name] = true
				}
				resp, _ := get(t, d.URL+path, "")
				if resp.StatusCode != 200 {
					t.Errorf("%s: %d", path, resp.StatusCode)
				}
				if got := resp.Header.Get("Cache-Control"); got != app.ImmutableCache {
					t.Errorf("%s: Cache-Control %q, want %q", path, got, app.ImmutableCache)
				}
			}
			for name, linked := range want {
				if !linked {
					t.Errorf("the page does not link %s", name)
				}
			}

			// The plain URL still works, cached for an hour; an old
			// version's URL (a page from before a deploy) gets the
			// current file, not to be cached.
			for path, cache := range map[string]string{
				"/public/css/app.css":              "public, max-age=3600",
				"/public/0123456789ab/css/app.css": "no-cache",
			} {
				resp, _ := get(t, d.URL+path, "")
				if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != cache {
					t.Errorf("%s: %d, Cache-Control %q; want 200, %q", path, resp.StatusCode, resp.Header.Get("Cache-Control"), cache)
				}
			}
			if resp, _ := get(t, d.URL+prefix+"css/nothing.css", ""); resp.StatusCode != 404 {
				t.Errorf("a missing versioned file: %d, want 404", resp.StatusCode)
			}
		})
	}
}

func TestDemoCompression(t *testing.T) {
	d := startDemo(t, app.Options{})
	assets := d.App.Assets
	for _, tc := range []struct {
		path, typ string
	}{
		{"/login", "text/html"},
		{assets.URL("css/app.css"), "text/css"},
		{assets.URL("js/app.js"), "javascript"},
		{assets.URL(public.HTMXFile(public.HTMXDefault)), "javascript"},
	} {
		plainResp, plain := get(t, d.URL+tc.path, "")
		if plainResp.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s: compressed (%s) for a client that did not ask", tc.path, plainResp.Header.Get("Content-Encoding"))
		}
		if !strings.Contains(plainResp.Header.Get("Content-Type"), tc.typ) {
			t.Errorf("%s: Content-Type %q", tc.path, plainResp.Header.Get("Content-Type"))
		}
		for _, enc := range []string{"br", "gzip"} {
			resp, body := get(t, d.URL+tc.path, enc)
			if got := resp.Header.Get("Content-Encoding"); got != enc {
				t.Errorf("%s with Accept-Encoding %s: Content-Encoding %q", tc.path, enc, got)
				continue
			}
			if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("%s: Vary %q does not name Accept-Encoding", tc.path, resp.Header.Get("Vary"))
			}
			t.Logf("%s: %d bytes, %d with %s", tc.path, len(plain), len(body), enc)
			if len(body) >= len(plain) {
				t.Errorf("%s: %s made %d bytes of %d", tc.path, enc, len(body), len(plain))
			}
			if enc == "gzip" && !strings.HasPrefix(tc.path, "/login") {
				zr, err := gzip.NewReader(strings.NewReader(string(body)))
				if err != nil {
					t.Fatalf("%s: %v", tc.path, err)
				}
				unzipped, err := io.ReadAll(zr)
				if err != nil || string(unzipped) != string(plain) {
					t.Errorf("%s: the gzip body does not decode to the file (%v)", tc.path, err)
				}
			}
		}
	}
}

// TestDemoStaticMiss is the regression test of issue 17 item 5: GET
// /public/nope.css with a session rendered the full 404 page, with the
// username, and without Cache-Control. A miss under the static prefix is
// now a short plain-text 404 that never reads the session, marked
// no-store (only files that exist may be cached); other methods get 405.
func TestDemoStaticMiss(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	c := newPlainClient(t, d.URL)
	c.signup("staticuser", "static-password")
	v := d.App.Assets.Version()
	for _, path := range []string{"/public/nope.css", "/public/" + v + "/nope.css", "/public/css/nope.css", "/public/abcdefabcdef/css/nope.css",
		"/public/css", "/public/css/", "/public", "/public/", "/public/" + v + "/", "/public/css/app.css/x", "/public/css/%2e%2e/nope.js"} {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			r := c.do(methodRequest(t, method, d.URL+path), false)
			if r.Status != http.StatusNotFound {
				t.Errorf("%s %s: %d, want 404", method, path, r.Status)
			}
			if got := r.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("%s %s: Cache-Control %q, want no-store", method, path, got)
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("%s %s: Content-Type %q", method, path, ct)
			}
			mustNotContain(t, method+" "+path, r.Body, "staticuser", "<html", "<nav")
			if r.Header.Get("Content-Security-Policy") != app.ContentSecurityPolicy || r.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s %s: security headers missing: %v", method, path, r.Header)
			}
		}
	}
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		r := c.do(methodRequest(t, method, d.URL+"/public/css/app.css"), false)
		if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "GET, HEAD" || r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s /public/css/app.css: %d, Allow %q, Cache-Control %q", method, r.Status, r.Header.Get("Allow"), r.Header.Get("Cache-Control"))
		}
		mustNotContain(t, method, r.Body, "staticuser")
	}
	// Files that exist are still cacheable, and pages still know the user.
	if r := c.get("/public/css/app.css"); r.Status != http.StatusOK || r.Header.Get("Cache-Control") != "public, max-age=3600" {
		t.Errorf("/public/css/app.css: %d, Cache-Control %q", r.Status, r.Header.Get("Cache-Control"))
	}
	if r := c.get("/public/" + v + "/css/app.css"); r.Status != http.StatusOK || r.Header.Get("Cache-Control") != app.ImmutableCache {
		t.Errorf("versioned app.css: %d, Cache-Control %q", r.Status, r.Header.Get("Cache-Control"))
	}
	r := c.get("/nope")
	if r.Status != http.StatusNotFound || r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("/nope: %d, Cache-Control %q", r.Status, r.Header.Get("Cache-Control"))
	}
	mustContain(t, "the 404 page outside /public/", r.Body, "staticuser")
}

// methodRequest makes a request without a body.
func methodRequest(t *testing.T, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
