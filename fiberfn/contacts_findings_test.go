package fiberfn_test

// Regression tests for what building the Contact.app (tests/contacts)
// found: an error template of a routed function needs the route's
// parameters, a query-only field's errors must name its query key, and a
// POST that no method override takes is a 405, not a 404.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
	htmlviews "github.com/gofiber/template/html/v2"
)

// An ErrorTemplate that re-renders its form (ErrorTarget "closest form",
// "outerHTML") must build the form's URL again: FormState.Params has the
// route's parameters, unescaped.
func TestErrorTemplateParams(t *testing.T) {
	reg := fiberfn.NewRegistry()
	engine := htmlviews.NewFileSystem(http.FS(fstest.MapFS{
		"form.html": {Data: []byte(`<form hx-put="{{ fnURL "save_item" (.Param "slug") }}">{{ .Param "slug" }}|{{ .Value "title" }}|{{ .Param "none" }}</form>`)},
	}), ".html")
	engine.AddFuncMap(fiberfn.FuncMap(reg))
	fiberfn.RegisterOn(reg, "save_item", func(c *fiber.Ctx, in struct {
		Slug  string `params:"slug"`
		Title string `form:"title"`
	}) (struct{}, error) {
		return struct{}{}, fiberfn.FieldErrors{"title": "Too short."}
	}, fiberfn.Route("/items/:slug"), fiberfn.Method("PUT"),
		fiberfn.ErrorTemplate("form"), fiberfn.ErrorTarget("closest form", "outerHTML"))
	for _, unescape := range []bool{false, true} {
		app := fiber.New(fiber.Config{Views: engine, UnescapePath: unescape})
		fiberfn.Mount(app, fiberfn.Config{Registry: reg})
		resp, body := call(app, "PUT", "/items/a%20b", "title=x", "Content-Type", formType, "HX-Request", "true")
		if want := `<form hx-put="/items/a%20b">a b|x|</form>`; resp.StatusCode != 422 || body != want {
			t.Errorf("UnescapePath %v: %d %s, want 422 %s", unescape, resp.StatusCode, body, want)
		}
	}
	var nilState *fiberfn.FormState
	if nilState.Param("id") != "" {
		t.Error("Param on a nil FormState")
	}
}

// A field with only a query tag is named by it in errors, as the caller
// sent it (page, not Page), like FieldErrors the app returns.
func TestQueryFieldErrorName(t *testing.T) {
	reg := fiberfn.NewRegistry()
	fiberfn.RegisterOn(reg, "list", func(c *fiber.Ctx, in struct {
		Page int    `query:"page"`
		Q    string `query:"q"`
	}) (int, error) {
		return in.Page, nil
	}, fiberfn.Method("GET"))
	app := fiber.New()
	fiberfn.Mount(app, fiberfn.Config{Registry: reg})
	for _, tc := range []struct {
		query, field string
		status       int
	}{
		{"page=x", "page", 400},
		{"page=1&page=2", "page", 400},
		{"q=a&q=b", "q", 400},
		{"page=3", "", 200},
	} {
		resp, body := call(app, "GET", "/api/list?"+tc.query, "", "Accept", "application/json")
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d %s", tc.query, resp.StatusCode, body)
			continue
		}
		if tc.field == "" {
			continue
		}
		var e struct{ Fields map[string]string }
		if err := json.Unmarshal([]byte(body), &e); err != nil || e.Fields[tc.field] == "" {
			t.Errorf("%s: the error does not name %q: %s", tc.query, tc.field, body)
		}
	}
	// The body still fills the field by its Go name, as before.
	if _, body := call(app, "POST", "/api/list", "", "Accept", "application/json"); body == "" {
		t.Error("no answer")
	}
}

// A POST to a path whose functions answer PUT or DELETE, without a
// _method (or with another), is Fiber's 405 with Allow, as for any other
// method; a POST function on the same path still gets its POSTs.
func TestOverridePostNotAllowed(t *testing.T) {
	type idIn struct {
		ID int `params:"id"`
	}
	ok := func(c *fiber.Ctx, in idIn) (string, error) { return c.Method(), nil }
	reg := fiberfn.NewRegistry()
	fiberfn.RegisterOn(reg, "put_r", ok, fiberfn.Route("/r/:id"), fiberfn.Method("PUT"))
	fiberfn.RegisterOn(reg, "delete_r", ok, fiberfn.Route("/r/:id"), fiberfn.Method("DELETE"))
	fiberfn.RegisterOn(reg, "delete_s", ok, fiberfn.Route("/s/:id"), fiberfn.Method("DELETE"))
	fiberfn.RegisterOn(reg, "post_s", ok, fiberfn.Route("/s/:id"), fiberfn.Method("POST"))
	app := fiber.New()
	fiberfn.Mount(app, fiberfn.Config{Registry: reg})
	app.Get("/r/:id", func(c *fiber.Ctx) error { return c.SendString("page") })
	for _, tc := range []struct {
		path, body string
		status     int
		allow      string
		answer     string
	}{
		{"/r/1", "", 405, "PUT, DELETE, GET, HEAD", ""},
		{"/r/1", "_method=GET", 405, "PUT, DELETE, GET, HEAD", ""},
		{"/r/1", "_method=PATCH", 405, "PUT, DELETE, GET, HEAD", ""},
		{"/r/1", "_method=DELETE", 200, "", `"DELETE"`},
		{"/s/1", "", 200, "", `"POST"`},
		{"/s/1", "_method=DELETE", 200, "", `"DELETE"`},
		{"/nowhere", "", 404, "", ""},
	} {
		resp, body := call(app, "POST", tc.path, tc.body, "Content-Type", formType, "Accept", "application/json")
		if resp.StatusCode != tc.status {
			t.Errorf("POST %s %q: %d %s, want %d", tc.path, tc.body, resp.StatusCode, body, tc.status)
			continue
		}
		if got := resp.Header.Get("Allow"); !sameMethods(got, tc.allow) {
			t.Errorf("POST %s %q: Allow %q, want %q", tc.path, tc.body, got, tc.allow)
		}
		if tc.answer != "" && body != tc.answer {
			t.Errorf("POST %s %q: %s, want %s", tc.path, tc.body, body, tc.answer)
		}
	}
}

// sameMethods compares two Allow lists as sets.
func sameMethods(a, b string) bool {
	set := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, v := range strings.Split(s, ",") {
			if v = strings.TrimSpace(v); v != "" {
				m[v] = true
			}
		}
		return m
	}
	sa, sb := set(a), set(b)
	if len(sa) != len(sb) {
		return false
	}
	for k := range sa {
		if !sb[k] {
			return false
		}
	}
	return true
}

// A page whose version did not change still shows a one-time message (a
// notice after a redirect, or a failed form's flash): SetVersion does not
// report a match while the request carries one, and the answer's ETag is
// then made from the body, so the cached copy without the message is not
// reused, nor the copy with it later.
func TestSetVersionKeepsOneTimeMessages(t *testing.T) {
	reg := fiberfn.NewRegistry()
	engine := htmlviews.NewFileSystem(http.FS(fstest.MapFS{
		"list.html": {Data: []byte(`<p>{{ .Notice }}</p><p>{{ .Items }}</p>`)},
	}), ".html")
	type list struct{ Notice, Items string }
	rendered := 0
	fiberfn.RegisterOn(reg, "list", func(c *fiber.Ctx, _ struct{}) (list, error) {
		if fiberfn.SetVersion(c, "v1") {
			return list{}, nil
		}
		rendered++
		return list{Notice: fiberfn.Notice(c), Items: "a b"}, nil
	}, fiberfn.Route("/list"), fiberfn.Method("GET"), fiberfn.Render("list"), fiberfn.Page("list", ""))
	fiberfn.RegisterOn(reg, "touch", func(c *fiber.Ctx, _ struct{}) (struct{}, error) {
		fiberfn.Notify(c, "Nothing changed.")
		return struct{}{}, fiberfn.Redirect(c, "/list")
	})
	app := fiber.New(fiber.Config{Views: engine})
	fiberfn.Mount(app, fiberfn.Config{Registry: reg})

	first, _ := call(app, "GET", "/list", "")
	etag := first.Header.Get("ETag")
	if first.StatusCode != 200 || etag == "" {
		t.Fatalf("%d %q", first.StatusCode, etag)
	}
	if again, _ := call(app, "GET", "/list", "", "If-None-Match", etag); again.StatusCode != 304 {
		t.Fatalf("the same version again: %d, want 304", again.StatusCode)
	}
	post, _ := call(app, "POST", "/api/touch", "", "Content-Type", formType)
	jar := cookies(post)
	if post.StatusCode != 302 || !strings.Contains(jar, "fiberfn_notice=") {
		t.Fatalf("%d %q", post.StatusCode, jar)
	}
	before := rendered
	withNotice, body := call(app, "GET", "/list", "", "If-None-Match", etag, "Cookie", jar)
	if withNotice.StatusCode != 200 || !strings.Contains(body, "Nothing changed.") || rendered != before+1 {
		t.Fatalf("with a notice: %d %q, want 200 with the notice", withNotice.StatusCode, body)
	}
	if e := withNotice.Header.Get("ETag"); e == etag {
		t.Errorf("the page with the notice has the ETag of the page without (%s)", e)
	}
	// The copy with the notice is not reused either: the next request,
	// without a notice, revalidates it and gets the page without.
	next, body := call(app, "GET", "/list", "", "If-None-Match", withNotice.Header.Get("ETag"))
	if next.StatusCode != 200 || strings.Contains(body, "Nothing changed.") {
		t.Errorf("after the notice: %d %q", next.StatusCode, body)
	}
}

// An ErrorTemplate that re-renders its form on a routed function gets the
// route's parameters, to build the form's URL again.
func ExampleFormState_Param() {
	reg := fiberfn.NewRegistry()
	engine := htmlviews.NewFileSystem(http.FS(fstest.MapFS{
		"form.html": {Data: []byte(`<form hx-put="{{ fnURL "update_contact" (.Param "id") }}">{{ .Error "email" }}</form>`)},
	}), ".html")
	engine.AddFuncMap(fiberfn.FuncMap(reg))
	fiberfn.RegisterOn(reg, "update_contact", func(c *fiber.Ctx, in struct {
		ID    int    `params:"id"`
		Email string `form:"email"`
	}) (struct{}, error) {
		return struct{}{}, fiberfn.FieldErrors{"email": "Enter an email address."}
	}, fiberfn.Route("/contacts/:id"), fiberfn.Method("PUT"),
		fiberfn.ErrorTemplate("form"), fiberfn.ErrorTarget("closest form", "outerHTML"))
	app := fiber.New(fiber.Config{Views: engine})
	fiberfn.Mount(app, fiberfn.Config{Registry: reg})
	_, body := call(app, "PUT", "/contacts/7", "email=x", "Content-Type", formType, "HX-Request", "true")
	fmt.Println(body)
	// Output:
	// <form hx-put="/contacts/7">Enter an email address.</form>
}
