package tests

// HTTP clients that talk to the demo like its two kinds of visitors: a
// browser without JavaScript (plain form posts, following redirects) and
// htmx (HX-Request: true, fragments, never a 3xx).

import (
	"crypto/rand"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// webClient is one visitor with its own cookies. Page loads (get) are
// ordinary browser navigations; posts go to server functions as a plain
// form post or, for an htmx client, as htmx requests.
type webClient struct {
	t    testing.TB
	base string
	hc   *http.Client
	htmx bool
	// page is the URL of the last page loaded, sent as Referer (and as
	// HX-Current-URL) with posts, as a browser does.
	page string
}

// newPlainClient is a browser with JavaScript off: it follows redirects
// and keeps cookies.
func newPlainClient(t testing.TB, base string) *webClient {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Transport: &http.Transport{}}
	// Connections the transport dialed but never used would keep the
	// server's graceful shutdown waiting; clients are made after the
	// server, so this cleanup runs before the server stops.
	t.Cleanup(hc.CloseIdleConnections)
	return &webClient{t: t, base: base, hc: hc, page: base + "/"}
}

// newHTMXClient is a browser with htmx: its posts carry HX-Request: true.
// Like fetch, it would follow a redirect silently, so the client fails the
// test when an htmx request gets a 3xx at all.
func newHTMXClient(t testing.TB, base string) *webClient {
	c := newPlainClient(t, base)
	c.htmx = true
	return c
}

// withBase returns a client with the same cookies that talks to another
// instance (cookies do not depend on the port).
func (c *webClient) withBase(base string) *webClient {
	cp := *c
	cp.base, cp.page = base, base+"/"
	return &cp
}

// withT returns a copy of the client (same cookies) that reports to t, for
// use inside a subtest.
func (c *webClient) withT(t testing.TB) *webClient {
	cp := *c
	cp.t = t
	return &cp
}

// result is a response with its body read.
type result struct {
	Status int
	Header http.Header
	Body   string
	// URL is where the client ended up after redirects.
	URL *url.URL
	// Redirect is the last redirect response the client followed, or nil.
	Redirect *http.Response
}

func (c *webClient) do(req *http.Request, hx bool) result {
	c.t.Helper()
	if hx {
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Current-URL", c.page)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	r := result{Status: resp.StatusCode, Header: resp.Header, Body: string(b), URL: resp.Request.URL, Redirect: resp.Request.Response}
	if hx && r.Redirect != nil {
		c.t.Errorf("%s %s: htmx request got %d (Location %q); it must never get a 3xx", req.Method, req.URL, r.Redirect.StatusCode, r.Redirect.Header.Get("Location"))
	}
	return r
}

// get loads a page (path relative to the base URL) as a browser
// navigation, following redirects.
func (c *webClient) get(path string) result {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	r := c.do(req, false)
	if r.Status == http.StatusOK {
		c.page = r.URL.String()
	}
	return r
}

// post submits a form to a server function as a browser would: with the
// current page as Referer, a same-origin Origin and Sec-Fetch-Site. header
// holds extra "Key", "Value" pairs; an empty value removes the header.
func (c *webClient) post(path string, form url.Values, header ...string) result {
	c.t.Helper()
	return c.postBody(path, "application/x-www-form-urlencoded", form.Encode(), header...)
}

// postBody posts any body with any content type.
func (c *webClient) postBody(path, contentType, body string, header ...string) result {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Referer", c.page)
	req.Header.Set("Origin", c.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	// Once-only functions (add_task) need a one-time token. A browser
	// takes it from the form; this client sends a fresh Idempotency-Key
	// instead, unless the form carries a token or the test sets the
	// header itself.
	if !strings.Contains(body, "_fiberfn_once=") {
		req.Header.Set("Idempotency-Key", rand.Text())
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	r := c.do(req, c.htmx)
	if r.Redirect != nil && r.Status == http.StatusOK {
		c.page = r.URL.String()
	}
	return r
}

// cookie returns the value of one of the client's cookies for the base URL.
func (c *webClient) cookie(name string) string {
	u, _ := url.Parse(c.base)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// signup creates an account, leaves the client logged in and returns the
// page it lands on.
func (c *webClient) signup(username, password string) result {
	c.t.Helper()
	c.get("/signup")
	r := c.post("/api/signup", url.Values{"username": {username}, "password": {password}, "confirm_password": {password}})
	return c.expectLanded(r, "/")
}

// login logs in and returns the page it lands on.
func (c *webClient) login(username, password string, remember bool) result {
	c.t.Helper()
	c.get("/login")
	form := url.Values{"username": {username}, "password": {password}}
	if remember {
		form.Set("remember", "on")
	}
	r := c.post("/api/login", form)
	return c.expectLanded(r, "/")
}

// expectLanded checks that a post that should redirect sent the browser to
// path, and returns the page there. htmx must get 200 with HX-Redirect
// (the client then loads the page, as htmx does); a plain post must get a
// 302 that the client followed.
func (c *webClient) expectLanded(r result, path string) result {
	c.t.Helper()
	if c.htmx {
		if r.Status != http.StatusOK || r.Header.Get("HX-Redirect") != path {
			c.t.Fatalf("status %d, HX-Redirect %q, want 200 and HX-Redirect %q; body:\n%s", r.Status, r.Header.Get("HX-Redirect"), path, r.Body)
		}
		if loc := r.Header.Get("Location"); loc != "" {
			c.t.Errorf("htmx response has Location %q", loc)
		}
		page := c.get(path)
		if page.Status != http.StatusOK {
			c.t.Fatalf("GET %s after HX-Redirect: %d", path, page.Status)
		}
		return page
	}
	if r.Status != http.StatusOK || r.URL.RequestURI() != path {
		c.t.Fatalf("ended at %s with %d, want %s with 200; body:\n%s", r.URL, r.Status, path, r.Body)
	}
	if r.Redirect == nil || r.Redirect.StatusCode != http.StatusFound {
		c.t.Errorf("reached %s without a 302", path)
	}
	return r
}

// setCookieHeader returns the Set-Cookie line for name in a response, or "".
func setCookieHeader(h http.Header, name string) string {
	for _, line := range h.Values("Set-Cookie") {
		if strings.HasPrefix(line, name+"=") {
			return line
		}
	}
	return ""
}

var taskIDPattern = regexp.MustCompile(`<li id="?task-(\d+)[" >]`)

// taskIDs returns the task ids of a page or fragment, in order.
func taskIDs(body string) []string {
	var ids []string
	for _, m := range taskIDPattern.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// reversed returns a reversed copy of s: the list shows the newest task
// first, so its ids reversed are oldest first, as the store adds them.
func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// taskTitlePattern finds the title of a row in view mode: its one
// <span> without attributes.
var taskTitlePattern = regexp.MustCompile(`<span>([^<]*)</span>`)

// taskTitles returns the titles of the tasks listed in a page or fragment.
func taskTitles(body string) []string {
	var titles []string
	for _, m := range taskTitlePattern.FindAllStringSubmatch(body, -1) {
		titles = append(titles, html.UnescapeString(m[1]))
	}
	return titles
}

// counts returns the open and done counts shown in a page or fragment.
func counts(t testing.TB, body string) (open, done int) {
	t.Helper()
	m := regexp.MustCompile(`<span id="count-open">(\d+)</span> open · <span id="count-done">(\d+)</span> done`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no counts in:\n%s", body)
	}
	fmt.Sscan(m[1], &open)
	fmt.Sscan(m[2], &done)
	return open, done
}

// isFragment reports whether body is the htmx answer of a task function,
// without the page around it: a row (or nothing) with the summary out of
// band, or the whole task section (clear completed).
func isFragment(body string) bool {
	b := strings.TrimSpace(body)
	if strings.Contains(b, "<html") || strings.Contains(b, "<nav") {
		return false
	}
	return strings.HasPrefix(b, `<section id="tasks"`) ||
		(b == "" || strings.HasPrefix(b, `<li id=task-`) || strings.HasPrefix(b, `<div hx-swap-oob="true" id="task-summary"`)) &&
			strings.Contains(b, `<div hx-swap-oob="true" id="task-summary"`)
}

// mainFragment returns the part of an htmx answer before its out-of-band
// parts: the row the answer swaps in, or "".
func mainFragment(body string) string {
	if i := strings.Index(body, ` hx-swap-oob="true"`); i >= 0 {
		body = body[:strings.LastIndex(body[:i], "<")]
	}
	return strings.TrimSpace(body)
}

// mustContain fails the test when body lacks any of the parts.
func mustContain(t testing.TB, what, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("%s lacks %q; it is:\n%s", what, p, body)
		}
	}
}

// mustNotContain fails the test when body has any of the parts.
func mustNotContain(t testing.TB, what, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(body, p) {
			t.Errorf("%s has %q; it is:\n%s", what, p, body)
		}
	}
}

// regexpMatch reports whether pattern matches s.
func regexpMatch(pattern, s string) bool {
	return regexp.MustCompile(pattern).MatchString(s)
}
