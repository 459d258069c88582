package fiberfn

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/gofiber/fiber/v2"
)

// pageViews add a layout and a page that includes the fragment.
var pageViews = fstest.MapFS{
	"layouts/main.html":    {Data: []byte(`<html><body>{{ embed }}</body></html>`)},
	"layouts/other.html":   {Data: []byte(`<html class="other">{{ embed }}</html>`)},
	"search_page.html":     {Data: []byte(`<h1>Search</h1><ul id="results">{{ template "search_rows" . }}</ul>`)},
	"search_rows.html":     {Data: []byte(`{{ range .Rows }}<li>{{ . }}</li>{{ end }}`)},
	"search_rows_err.html": {Data: []byte(`{{ .Missing.Field }}`)},
}

// searchOut is the result of a search: the rows, and what was searched.
type searchOut struct {
	Q    string   `json:"q"`
	Rows []string `json:"rows"`
}

type searchIn struct {
	Q string `query:"q" form:"q" json:"q"`
}

// pageApp serves GET /search (Page + Render), one on its own layout, one
// with a version, and one that sets no-store.
func pageApp(t testing.TB, renders *atomic.Int64) *fiber.App {
	t.Helper()
	search := func(c *fiber.Ctx, in searchIn) (searchOut, error) {
		return searchOut{Q: in.Q, Rows: []string{"Joe " + in.Q, "Jo " + in.Q}}, nil
	}
	views := fstest.MapFS{}
	for k, v := range callerViews {
		views[k] = v
	}
	for k, v := range pageViews {
		views[k] = v
	}
	return setupApp(t, appSetup{views: views, fiber: fiber.Config{ViewsLayout: "layouts/main"}, register: func(r *Registry) {
		RegisterOn(r, "search", search, Route("/search"), Method("GET"), Render("search_rows"), Page("search_page"))
		RegisterOn(r, "search_other", search, Route("/search/other"), Method("GET"), Render("search_rows"), Page("search_page", "layouts/other"))
		RegisterOn(r, "search_versioned", func(c *fiber.Ctx, in searchIn) (searchOut, error) {
			if SetVersion(c, "v1:"+in.Q) {
				return searchOut{}, nil
			}
			renders.Add(1)
			return search(c, in)
		}, Route("/search/versioned"), Method("GET"), Render("search_rows"), Page("search_page"))
		RegisterOn(r, "search_nostore", func(c *fiber.Ctx, in searchIn) (searchOut, error) {
			Response(c).InsertHeader("Cache-Control", "no-store")
			return search(c, in)
		}, Route("/search/nostore"), Method("GET"), Render("search_rows"), Page("search_page"))
		RegisterOn(r, "search_cached", func(c *fiber.Ctx, in searchIn) (searchOut, error) {
			Response(c).InsertHeader("Cache-Control", "private, max-age=60")
			return search(c, in)
		}, Route("/search/cached"), Method("GET"), Render("search_rows"), Page("search_page"))
		RegisterOn(r, "search_broken", search, Route("/search/broken"), Method("GET"), Render("search_rows"), Page("search_rows_err", ""))
		RegisterOn(r, "search_post", search, Route("/search/post"), ReadOnly(), Render("search_rows"), Page("search_page"))
	}})
}

// TestGetPage checks that a GET function with a Page answers each caller
// its way: a whole page in the layout for a plain browser (a reload, a
// bookmark, a no-JS search form), boosted, htmx 4 full and history-restore
// requests; the fragment for htmx; the value for JSON; Vary and an ETag
// on each, never the same ETag for two shapes.
func TestGetPage(t *testing.T) {
	app := pageApp(t, new(atomic.Int64))
	page := `<html><body><h1>Search</h1><ul id="results"><li>Joe joe</li><li>Jo joe</li></ul></body></html>`
	rows := `<li>Joe joe</li><li>Jo joe</li>`
	etags := map[string]string{}
	for _, k := range allCallers {
		t.Run(k.name, func(t *testing.T) {
			r := k.request(http.MethodGet, "/search?q=joe")
			if k.jsonBody {
				r.headers["Accept"] = "application/json"
			}
			resp, body := do(t, app, r)
			checkVary(t, resp)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d %q", resp.StatusCode, body)
			}
			switch k.kind {
			case jsonCaller:
				wantJSON(t, body, searchOut{Q: "joe", Rows: []string{"Joe joe", "Jo joe"}})
			case htmxPartial:
				if body != rows {
					t.Errorf("body %q, want the fragment %q", body, rows)
				}
			default:
				if body != page {
					t.Errorf("body %q, want the page %q", body, page)
				}
			}
			etag := resp.Header.Get("ETag")
			if !strings.HasPrefix(etag, `W/"`) {
				t.Fatalf("ETag = %q, want a weak validator", etag)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "private, no-cache" {
				t.Errorf("Cache-Control = %q, want private, no-cache", cc)
			}
			if prev, ok := etags[etag]; ok && prev != kindName(k.kind) {
				t.Errorf("ETag %s shared by %s and %s answers", etag, prev, kindName(k.kind))
			}
			etags[etag] = kindName(k.kind)
			// The same request with the validator: 304, no body.
			r.headers["If-None-Match"] = etag
			resp, body = do(t, app, r)
			if resp.StatusCode != 304 || body != "" || resp.Header.Get("ETag") != etag {
				t.Errorf("revalidation: %d %q ETag %q, want 304 with the same ETag", resp.StatusCode, body, resp.Header.Get("ETag"))
			}
			checkVary(t, resp)
			// Another query: another ETag, a full answer.
			r.path = "/search?q=jo"
			resp, _ = do(t, app, r)
			if resp.StatusCode != 200 || resp.Header.Get("ETag") == etag {
				t.Errorf("other query with an old validator: %d ETag %q, want 200 with a new one", resp.StatusCode, resp.Header.Get("ETag"))
			}
		})
	}
	if len(etags) != 3 {
		t.Errorf("%d distinct ETags for the json, htmx and page shapes, want 3: %v", len(etags), etags)
	}
}

func kindName(k caller) string {
	if k.pageLike() {
		return "page"
	}
	return [...]string{"plain", "htmx", "full", "restore", "json"}[k]
}

// TestGetPageValidators checks If-None-Match forms, a version set by the
// function (304 without rendering), an app's own Cache-Control, no-store,
// HEAD, a POST and a failed render.
func TestGetPageValidators(t *testing.T) {
	var renders atomic.Int64
	app := pageApp(t, &renders)
	plain := func(path string, kv ...string) req {
		return req{method: http.MethodGet, path: path, headers: withHeaders(nil, kv...)}
	}
	resp, body := do(t, app, plain("/search/other?q=joe"))
	if resp.StatusCode != 200 || !strings.HasPrefix(body, `<html class="other"><h1>`) {
		t.Errorf("Page with its own layout: %d %q", resp.StatusCode, body)
	}
	resp, _ = do(t, app, plain("/search?q=joe"))
	etag := resp.Header.Get("ETag")
	for _, inm := range []string{etag, strings.TrimPrefix(etag, "W/"), `"x", ` + etag, "*"} {
		if resp, _ := do(t, app, plain("/search?q=joe", "If-None-Match", inm)); resp.StatusCode != 304 {
			t.Errorf("If-None-Match %s: %d, want 304", inm, resp.StatusCode)
		}
	}
	if resp, _ := do(t, app, plain("/search?q=joe", "If-None-Match", `W/"0000000000000000"`)); resp.StatusCode != 200 {
		t.Errorf("a stale validator: %d, want 200", resp.StatusCode)
	}

	// A version: the ETag is the version's, and a match renders nothing.
	resp, body = do(t, app, plain("/search/versioned?q=joe"))
	vtag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || vtag == "" || !strings.Contains(body, "Joe joe") || renders.Load() != 1 {
		t.Fatalf("versioned: %d ETag %q, %d renders", resp.StatusCode, vtag, renders.Load())
	}
	resp, body = do(t, app, plain("/search/versioned?q=joe", "If-None-Match", vtag))
	if resp.StatusCode != 304 || body != "" || resp.Header.Get("ETag") != vtag || renders.Load() != 1 {
		t.Errorf("versioned revalidation: %d %q ETag %q after %d renders, want 304 and no render", resp.StatusCode, body, resp.Header.Get("ETag"), renders.Load())
	}
	resp, _ = do(t, app, plain("/search/versioned?q=joe", "If-None-Match", vtag, "HX-Request", "true"))
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == vtag {
		t.Errorf("the page's version for an htmx request: %d ETag %q, want 200 and the fragment's own", resp.StatusCode, resp.Header.Get("ETag"))
	}

	// The app's Cache-Control is kept; no-store gets no validator.
	resp, _ = do(t, app, plain("/search/cached?q=joe"))
	if resp.Header.Get("Cache-Control") != "private, max-age=60" || resp.Header.Get("ETag") == "" {
		t.Errorf("own Cache-Control: %q ETag %q", resp.Header.Get("Cache-Control"), resp.Header.Get("ETag"))
	}
	resp, _ = do(t, app, plain("/search/nostore?q=joe"))
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("ETag") != "" {
		t.Errorf("no-store: Cache-Control %q ETag %q, want no-store and no ETag", resp.Header.Get("Cache-Control"), resp.Header.Get("ETag"))
	}
	resp, _ = do(t, app, plain("/search/nostore?q=joe", "If-None-Match", "*"))
	if resp.StatusCode != 200 {
		t.Errorf("no-store with If-None-Match: %d, want 200", resp.StatusCode)
	}
	// Middleware in front that sets no-store (as the demo does) wins too.
	ns := setupApp(t, appSetup{before: []fiber.Handler{func(c *fiber.Ctx) error {
		c.Set("Cache-Control", "no-store")
		return c.Next()
	}}, register: func(r *Registry) {
		RegisterOn(r, "g", func(c *fiber.Ctx, in struct{}) (taskOut, error) { return taskOut{Title: "x"}, nil }, Method("GET"), Render("frag"))
	}})
	resp, _ = do(t, ns, req{method: "GET", path: "/api/g", headers: map[string]string{"HX-Request": "true", "If-None-Match": "*"}})
	if resp.StatusCode != 200 || resp.Header.Get("ETag") != "" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("middleware no-store: %d ETag %q Cache-Control %q", resp.StatusCode, resp.Header.Get("ETag"), resp.Header.Get("Cache-Control"))
	}

	// HEAD: the GET's validator, no body.
	resp, body = do(t, app, req{method: "HEAD", path: "/search?q=joe"})
	if resp.StatusCode != 200 || body != "" || resp.Header.Get("ETag") != etag {
		t.Errorf("HEAD: %d %q ETag %q, want 200, no body, ETag %q", resp.StatusCode, body, resp.Header.Get("ETag"), etag)
	}
	// A POST to a GET-and-POST function: no page, no validator.
	resp, _ = do(t, app, req{path: "/search/post", body: "q=joe", headers: formCT})
	if resp.StatusCode != 302 || resp.Header.Get("ETag") != "" {
		t.Errorf("POST: %d ETag %q, want 302 and no ETag", resp.StatusCode, resp.Header.Get("ETag"))
	}
	resp, body = do(t, app, plain("/search/post?q=joe"))
	if resp.StatusCode != 200 || !strings.Contains(body, "<h1>Search</h1>") {
		t.Errorf("GET of a ReadOnly function with a page: %d %q", resp.StatusCode, body)
	}
	// A page that fails to render is a 500 page-like answer, no validator.
	resp, _ = do(t, app, plain("/search/broken?q=joe"))
	if resp.StatusCode != 302 || resp.Header.Get("ETag") != "" {
		t.Errorf("broken page: %d ETag %q, want the error's redirect back and no ETag", resp.StatusCode, resp.Header.Get("ETag"))
	}
	if f := flashOf(t, resp); f == nil || f.Status != 500 {
		t.Errorf("broken page: flash %+v, want a 500", f)
	}
}
