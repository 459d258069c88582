package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
)

// post sends the add form, as htmx does when htmx is true.
func post(t *testing.T, app interface {
	Test(*http.Request, ...int) (*http.Response, error)
}, title string, htmx bool, cookie string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, AddTask.Path(), strings.NewReader(url.Values{"title": {title}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Referer", "http://example.com/")
	req.Host = "example.com"
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := app.Test(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// TestQuickStart runs the README's quick start: with htmx, Add answers the
// new row and a blank title re-renders the form with its error; without
// JavaScript, both answer a redirect back and the page shows the result.
func TestQuickStart(t *testing.T) {
	store := &Store{}
	app := newApp(store)

	resp, body := post(t, app, "Buy milk", true, "")
	if resp.StatusCode != 200 || strings.TrimSpace(body) != `<li id="task-1">Buy milk</li>` {
		t.Fatalf("htmx add: %d %q", resp.StatusCode, body)
	}
	resp, body = post(t, app, "  ", true, "")
	if resp.StatusCode < 400 || !strings.Contains(body, "Title must not be empty.") || resp.Header.Get("HX-Retarget") != "closest form" {
		t.Fatalf("htmx blank title: %d, HX-Retarget %q, %q", resp.StatusCode, resp.Header.Get("HX-Retarget"), body)
	}

	resp, _ = post(t, app, "Call mum", false, "")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" {
		t.Fatalf("plain add: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = post(t, app, "", false, "")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("plain blank title: %d", resp.StatusCode)
	}
	var flash []string
	for _, c := range resp.Cookies() {
		flash = append(flash, c.Name+"="+c.Value)
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Cookie", strings.Join(flash, "; "))
	page, err := app.Test(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(page.Body)
	for _, want := range []string{"Buy milk", "Call mum", "Title must not be empty.", `action="/api/add_task"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the page after a failed plain post lacks %q:\n%s", want, b)
		}
	}
	if n := len(store.All()); n != 2 {
		t.Errorf("%d tasks stored, want 2", n)
	}
}

// TestReadmeQuotesQuickStart keeps the README's quick start equal to the
// code that this package compiles and tests.
func TestReadmeQuotesQuickStart(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"quickstart.go", "partials/add_form.html"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(readme), string(src)) {
			t.Errorf("README.md does not quote demo/quickstart/%s as it is", f)
		}
	}
}
