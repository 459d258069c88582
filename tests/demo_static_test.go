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
