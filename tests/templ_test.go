package tests

// The templ proof of issue 16: fiberfn renders real templ components
// (github.com/a-h/templ v0.3.1118, generated into templviews) without
// importing templ itself, as an Out that is a templ.Component and through
// the typed RenderFunc and PageFunc, over real HTTP on loopback.

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/fiberfn/fiberfn/tests/templviews"
)

// templApp serves GET /contacts (a page, rows for htmx, JSON) and GET
// /contacts/:id/row (a templ.Component as the result) from a fixed list.
func templApp(t *testing.T) string {
	t.Helper()
	reg := fiberfn.NewRegistry()
	var deleteContact *fiberfn.Fn[struct {
		ID int `params:"id"`
	}, struct{}]
	all := func() []templviews.Contact {
		cs := []templviews.Contact{{ID: 1, Name: "Joe"}, {ID: 2, Name: `<script>alert("x")</script>`}, {ID: 3, Name: "Zoë / Ann"}}
		for i := range cs {
			u, err := deleteContact.URL(cs[i].ID)
			if err != nil {
				t.Errorf("URL: %v", err)
			}
			cs[i].DeleteURL = u
		}
		return cs
	}
	deleteContact = fiberfn.RegisterOn(reg, "delete_contact", func(c *fiber.Ctx, in struct {
		ID int `params:"id"`
	}) (struct{}, error) {
		fiberfn.RemoveTarget(c)
		return struct{}{}, nil
	}, fiberfn.Route("/contacts/:id"), fiberfn.Method("DELETE"))
	fiberfn.RegisterOn(reg, "contacts", func(c *fiber.Ctx, in struct {
		Q string `query:"q"`
	}) ([]templviews.Contact, error) {
		return slices.DeleteFunc(all(), func(ct templviews.Contact) bool { return !strings.Contains(ct.Name, in.Q) }), nil
	}, fiberfn.Route("/contacts"), fiberfn.Method("GET"),
		fiberfn.RenderFunc(func(c *fiber.Ctx, w io.Writer, cs []templviews.Contact) error {
			for _, ct := range cs {
				if err := templviews.ContactRow(ct).Render(c.UserContext(), w); err != nil {
					return err
				}
			}
			return nil
		}),
		fiberfn.PageFunc(func(c *fiber.Ctx, w io.Writer, cs []templviews.Contact) error {
			return templviews.ContactsPage(cs).Render(c.UserContext(), w)
		}))
	fiberfn.RegisterOn(reg, "contact_row", func(c *fiber.Ctx, in struct {
		ID int `params:"id"`
	}) (templ.Component, error) {
		for _, ct := range all() {
			if ct.ID == in.ID {
				return templviews.ContactRow(ct), nil
			}
		}
		return nil, fiberfn.ServerError("No such contact.", http.StatusNotFound)
	}, fiberfn.Route("/contacts/:id/row"), fiberfn.Method("GET"))

	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	var errs atomic.Int32
	fiberfn.Mount(app, fiberfn.Config{Registry: reg, Logger: slog.New(&testLogHandler{t: t, errs: &errs})})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() {
		_ = app.Shutdown()
		if n := errs.Load(); n > 0 {
			t.Errorf("fiberfn logged %d error(s)", n)
		}
	})
	return "http://" + ln.Addr().String()
}

func TestTemplComponents(t *testing.T) {
	base := templApp(t)
	get := func(path string, headers ...string) (*http.Response, string) {
		t.Helper()
		r, _ := http.NewRequest(http.MethodGet, base+path, nil)
		for i := 0; i+1 < len(headers); i += 2 {
			r.Header.Set(headers[i], headers[i+1])
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	escapedRow := `<tr id="contact-2"><td>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</td><td><button hx-delete="/contacts/2" hx-target="closest tr" hx-swap="outerHTML">Delete</button></td></tr>`

	// A plain browser's GET (a reload, a bookmark): the whole templ page.
	resp, page := get("/contacts")
	if resp.StatusCode != 200 || !strings.HasPrefix(page, "<!doctype html>") || !strings.Contains(page, escapedRow) || strings.Contains(page, "<script>") {
		t.Fatalf("page: %d\n%s", resp.StatusCode, page)
	}
	if resp.Header.Get("ETag") == "" || !strings.Contains(resp.Header.Get("Vary"), "HX-Request") {
		t.Errorf("page headers: %v", resp.Header)
	}
	if r, _ := get("/contacts", "If-None-Match", resp.Header.Get("ETag")); r.StatusCode != 304 {
		t.Errorf("revalidation: %d, want 304", r.StatusCode)
	}

	// htmx 2 and htmx 4: the rows alone, rendered by RenderFunc.
	for _, h := range [][]string{{"HX-Request", "true"}, {"HX-Request", "true", "HX-Request-Type", "partial"}} {
		resp, rows := get("/contacts?q=Zo", h...)
		want := `<tr id="contact-3"><td>Zoë / Ann</td><td><button hx-delete="/contacts/3" hx-target="closest tr" hx-swap="outerHTML">Delete</button></td></tr>`
		if resp.StatusCode != 200 || rows != want {
			t.Errorf("rows %v: %d\n%s\nwant\n%s", h, resp.StatusCode, rows, want)
		}
	}

	// JSON callers: the value, not HTML.
	resp, body := get("/contacts?q=Joe", "Accept", "application/json")
	var got []templviews.Contact
	if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != 200 || len(got) != 1 || got[0].Name != "Joe" {
		t.Errorf("JSON: %d %s (%v)", resp.StatusCode, body, err)
	}

	// A templ.Component as the function's result needs no Render option.
	resp, row := get("/contacts/2/row", "HX-Request", "true")
	if resp.StatusCode != 200 || row != escapedRow {
		t.Errorf("component result: %d\n%s", resp.StatusCode, row)
	}
	resp, body = get("/contacts/9/row", "HX-Request", "true")
	if resp.StatusCode != 404 || !strings.Contains(body, "No such contact.") {
		t.Errorf("missing contact: %d %s", resp.StatusCode, body)
	}
}
