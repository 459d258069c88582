package tests

// The Contact.app (tests/contacts) over real HTTP on loopback: every route
// for every kind of caller, then malformed, oversized and hostile input.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fiberfn/fiberfn/tests/contacts"
)

// TestContactsList: GET /contacts answers each caller in its own shape
// (a page, the rows, JSON), with Vary and an ETag per shape, for a search
// and for each page of "Load more".
func TestContactsList(t *testing.T) {
	s := startContacts(t, "", 25)
	cl := s.client()
	for _, k := range contactCallers {
		t.Run(k.name, func(t *testing.T) {
			resp, body := cl.do("GET", "/contacts?q=jo", "", k.headers...)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			for _, h := range []string{"HX-Request", "HX-Request-Type", "HX-History-Restore-Request", "Accept"} {
				if !strings.Contains(resp.Header.Get("Vary"), h) {
					t.Errorf("Vary %q lacks %s", resp.Header.Get("Vary"), h)
				}
			}
			if resp.Header.Get("ETag") == "" {
				t.Error("no ETag")
			}
			switch {
			case k.name == "json":
				var l contacts.List
				if err := json.Unmarshal([]byte(body), &l); err != nil {
					t.Fatalf("%v: %s", err, body)
				}
				if l.Total != 2 || len(l.Contacts) != 2 || l.Contacts[0].First != "Joe" || l.Contacts[1].First != "Joan" {
					t.Errorf("JSON %+v", l)
				}
			case k.page:
				for _, want := range []string{"<html", `value="jo"`, `id="contact-1"`, `id="contact-2"`, `hx-get="/contacts"`} {
					if !strings.Contains(body, want) {
						t.Errorf("page lacks %s", want)
					}
				}
			default:
				if strings.Contains(body, "<html") || strings.Contains(body, `id="search"`) {
					t.Errorf("fragment holds the page: %s", body)
				}
				if !strings.Contains(body, `id="contact-1"`) || !strings.Contains(body, `id="contact-2"`) || strings.Contains(body, `id="contact-3"`) {
					t.Errorf("rows: %s", body)
				}
			}
			if strings.Contains(body, "<b>Lee</b>") {
				t.Error("markup in a name is not escaped")
			}
			// The same caller again with the ETag: 304, nothing sent.
			again, body2 := cl.do("GET", "/contacts?q=jo", "", withHeaders(k.headers, "If-None-Match", resp.Header.Get("ETag"))...)
			if again.StatusCode != 304 || body2 != "" {
				t.Errorf("If-None-Match: %d %q", again.StatusCode, body2)
			}
		})
	}
	t.Run("shapes never share an ETag", func(t *testing.T) {
		frag, _ := cl.do("GET", "/contacts?q=jo", "", cHTMX2...)
		page, body := cl.do("GET", "/contacts?q=jo", "", withHeaders(cPlain, "If-None-Match", frag.Header.Get("ETag"))...)
		if page.StatusCode != 200 || !strings.Contains(body, "<html") {
			t.Errorf("a reload with the fragment's ETag got %d, want the page", page.StatusCode)
		}
	})
	t.Run("HEAD", func(t *testing.T) {
		if resp, _ := cl.do("HEAD", "/contacts", ""); resp.StatusCode != 200 {
			t.Errorf("HEAD /contacts: %d", resp.StatusCode)
		}
	})
}

// TestContactsPaging: the page shows pages 1..N, htmx gets page N's rows
// and a "Load more" row for the next, until the last.
func TestContactsPaging(t *testing.T) {
	s := startContacts(t, "", 25)
	cl := s.client()
	for _, tc := range []struct {
		name, path string
		headers    []string
		first, end int    // the contact ids shown, first..end
		next       string // the "Load more" URL, or ""
	}{
		{"page 1", "/contacts", cPlain, 1, 10, "/contacts?page=2"},
		{"page 2 for htmx", "/contacts?page=2", cHTMX4, 11, 20, "/contacts?page=3"},
		{"page 3 for htmx", "/contacts?page=3", cHTMX2, 21, 25, ""},
		{"pages 1-2 for a browser", "/contacts?page=2", cPlain, 1, 20, "/contacts?page=3"},
		{"search, page 2", "/contacts?q=person&page=2", cHTMX4, 15, 24, "/contacts?page=3&amp;q=person"},
		{"past the end", "/contacts?page=9", cHTMX4, 0, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := cl.do("GET", tc.path, "", tc.headers...)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			var want []string
			if tc.first > 0 {
				for id := tc.first; id <= tc.end; id++ {
					want = append(want, fmt.Sprint(id))
				}
			}
			if got := rowIDs(body); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("rows %v, want %v", got, want)
			}
			hasNext := strings.Contains(body, `id="load-more"`)
			if hasNext != (tc.next != "") || tc.next != "" && !strings.Contains(body, `hx-get="`+tc.next+`"`) {
				t.Errorf("load more: want %q in %s", tc.next, body)
			}
		})
	}
}

// rowIDs returns the contact ids of the rows in html, in order.
func rowIDs(html string) []string {
	var ids []string
	for _, part := range strings.Split(html, `<tr id="contact-`)[1:] {
		id, _, _ := strings.Cut(part, `"`)
		ids = append(ids, id)
	}
	return ids
}

// TestContactsEditPage: GET /contacts/:id/edit for every caller, and bad ids.
func TestContactsEditPage(t *testing.T) {
	s := startContacts(t, "", 5)
	cl := s.client()
	for _, k := range contactCallers {
		t.Run(k.name, func(t *testing.T) {
			resp, body := cl.do("GET", "/contacts/2/edit", "", k.headers...)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			switch {
			case k.name == "json":
				if !strings.Contains(body, `"email":"joan@example.com"`) {
					t.Errorf("JSON %s", body)
				}
			default:
				for _, want := range []string{`value="joan@example.com"`, `hx-put="/contacts/2"`, `action="/contacts/2"`, `name="_method" value="PUT"`} {
					if !strings.Contains(body, want) {
						t.Errorf("lacks %s", want)
					}
				}
				if strings.Contains(body, "<html") != k.page {
					t.Errorf("whole page %v, want %v", !k.page, k.page)
				}
			}
		})
	}
	for _, tc := range []struct {
		path   string
		status int
		field  string
	}{
		{"/contacts/abc/edit", 400, "id"},
		{"/contacts/1.5/edit", 400, "id"},
		{"/contacts/99999999999999999999999/edit", 400, "id"},
		{"/contacts/%2e%2e/edit", 400, "id"},
		{"/contacts/99/edit", 404, ""},
		{"/contacts/-1/edit", 404, ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := cl.do("GET", tc.path, "", cJSON...)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.field != "" && !strings.Contains(body, `"`+tc.field+`"`) {
				t.Errorf("the error does not name %s: %s", tc.field, body)
			}
		})
	}
}

// TestContactsUpdate: PUT /contacts/:id from htmx (2 and 4), JSON and a
// plain form (POST + _method=PUT), valid and invalid.
func TestContactsUpdate(t *testing.T) {
	const valid = "first_name=Joanna&last_name=Smith&phone=555&email=joanna%40example.com"
	const invalid = "first_name=&last_name=Smyth&phone=abc&email=not-an-email"
	for _, tc := range []struct {
		name, method, body string
		headers            []string
		status             int
		check              func(t *testing.T, resp *http.Response, body string)
	}{
		{"htmx2 valid", "PUT", valid, withHeaders(cHTMX2, "Content-Type", contactsFormCT), 200, func(t *testing.T, resp *http.Response, body string) {
			if resp.Header.Get("HX-Redirect") != "/contacts" {
				t.Errorf("HX-Redirect %q", resp.Header.Get("HX-Redirect"))
			}
		}},
		{"htmx4 invalid", "PUT", invalid, withHeaders(cHTMX4, "Content-Type", contactsFormCT), 422, func(t *testing.T, resp *http.Response, body string) {
			if resp.Header.Get("HX-Retarget") != "closest form" || resp.Header.Get("HX-Reswap") != "outerHTML" {
				t.Errorf("HX-Retarget %q HX-Reswap %q", resp.Header.Get("HX-Retarget"), resp.Header.Get("HX-Reswap"))
			}
			for _, want := range []string{`hx-put="/contacts/2"`, `value="Smyth"`, `value="abc"`, `value="not-an-email"`,
				"First name is required.", "Enter an email address", "Digits, spaces"} {
				if !strings.Contains(body, want) {
					t.Errorf("the form lacks %s: %s", want, body)
				}
			}
		}},
		{"json valid (form names, no json tags)", "PUT", `{"first_name":"Joanna","last_name":"Smith","email":"joanna@example.com"}`,
			withHeaders(cJSON, "Content-Type", "application/json"), 200, func(t *testing.T, resp *http.Response, body string) {
				if !strings.Contains(body, `"first":"Joanna"`) || resp.Header.Get("Fiberfn-Redirect") != "/contacts" {
					t.Errorf("%s %v", body, resp.Header)
				}
			}},
		{"json invalid", "PUT", `{"first_name":"","email":"x"}`, withHeaders(cJSON, "Content-Type", "application/json"), 422, func(t *testing.T, resp *http.Response, body string) {
			if !strings.Contains(body, `"email":"Enter an email address`) || !strings.Contains(body, `"first_name"`) {
				t.Errorf("%s", body)
			}
		}},
		{"plain valid", "POST", "_method=PUT&" + valid, withHeaders(cPlain, "Content-Type", contactsFormCT, "Referer", "/contacts/2/edit"), 302, func(t *testing.T, resp *http.Response, body string) {
			if resp.Header.Get("Location") != "/contacts" {
				t.Errorf("Location %q", resp.Header.Get("Location"))
			}
		}},
		{"email of another contact", "PUT", "first_name=Joan&email=joe%40example.com", withHeaders(cJSON, "Content-Type", contactsFormCT), 422, func(t *testing.T, resp *http.Response, body string) {
			if !strings.Contains(body, "Another contact has this email.") {
				t.Errorf("%s", body)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startContacts(t, "", 5)
			cl := s.client()
			resp, body := cl.do(tc.method, "/contacts/2", tc.body, tc.headers...)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			tc.check(t, resp, body)
			got, _ := s.Store.Get(2)
			if changed := got.First == "Joanna"; changed != (tc.status < 400) {
				t.Errorf("stored %+v after a %d", got, tc.status)
			}
		})
	}
}

// TestContactsUpdateNoJS: a plain form's failed PUT comes back to the
// edit page with the typed values and the errors beside the fields, once;
// a successful one lands on the list with a notice.
func TestContactsUpdateNoJS(t *testing.T) {
	s := startContacts(t, "", 5)
	cl := s.client()
	edit := s.URL + "/contacts/2/edit"
	// The browser has the edit page, with its ETag (the store's version),
	// and revalidates it when the failed post sends it back there: the
	// version did not change, but the page must show the errors (not 304).
	page, _ := cl.do("GET", "/contacts/2/edit", "", cPlain...)
	etag := page.Header.Get("ETag")
	if again, _ := cl.do("GET", "/contacts/2/edit", "", withHeaders(cPlain, "If-None-Match", etag)...); again.StatusCode != 304 {
		t.Fatalf("the unchanged edit page revalidated: %d, want 304", again.StatusCode)
	}
	resp, body := cl.do("POST", "/contacts/2", "_method=PUT&first_name=&last_name=Smyth&phone=12&email=bad",
		withHeaders(cPlain, "Content-Type", contactsFormCT, "Referer", edit, "Origin", s.URL)...)
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "/contacts/2/edit" {
		t.Fatalf("%d to %q: %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	resp, body = cl.do("GET", "/contacts/2/edit", "", withHeaders(cPlain, "If-None-Match", etag)...)
	if resp.StatusCode != 200 {
		t.Fatalf("the edit page after the failed post: %d, want 200 with the errors", resp.StatusCode)
	}
	for _, want := range []string{`value="Smyth"`, `value="bad"`, "First name is required.", "Enter an email address", `hx-put="/contacts/2"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the edit page after the failed post lacks %s", want)
		}
	}
	_, body = cl.do("GET", "/contacts/2/edit", "", cPlain...)
	if !strings.Contains(body, `value="Smith"`) || strings.Contains(body, "required") {
		t.Errorf("the flash was shown twice")
	}
	resp, _ = cl.do("POST", "/contacts/2", "_method=PUT&first_name=Joanna&email=joanna%40example.com",
		withHeaders(cPlain, "Content-Type", contactsFormCT, "Referer", edit)...)
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "/contacts" {
		t.Fatalf("%d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = cl.do("GET", "/contacts", "", cPlain...)
	if !strings.Contains(body, "Saved Joanna.") || !strings.Contains(body, "Joanna") {
		t.Errorf("the list after saving lacks the notice or the name")
	}
}

// TestContactsDelete: DELETE /contacts/:id from a row (htmx 2 and 4: the
// row goes, no template), from the edit page (back to the list), from a
// plain form and JSON; a second DELETE is not an error.
func TestContactsDelete(t *testing.T) {
	for _, tc := range []struct {
		name, method, body string
		headers            []string
		status             int
		location, redirect string // Location, HX-Redirect
		reswap             string
	}{
		{"htmx2 row", "DELETE", "", withHeaders(cHTMX2, "HX-Target", "contact-3", "HX-Trigger", ""), 200, "", "", "delete"},
		{"htmx2 row, the bulk form's values in the query", "DELETE", "", withHeaders(cHTMX2, "HX-Target", "contact-3", "Content-Type", contactsFormCT), 200, "", "", "delete"},
		{"htmx4 row", "DELETE", "", withHeaders(cHTMX4, "HX-Target", "tr#contact-3", "HX-Source", "button#"), 200, "", "", "delete"},
		{"htmx4 edit page", "DELETE", "", withHeaders(cHTMX4, "HX-Target", "body", "HX-Source", "button#delete-contact"), 200, "", "/contacts", ""},
		{"htmx2 edit page", "DELETE", "", withHeaders(cHTMX2, "HX-Trigger", "delete-contact"), 200, "", "/contacts", ""},
		{"plain from the list", "POST", "_method=DELETE&selected_contact_ids=1", withHeaders(cPlain, "Content-Type", contactsFormCT, "Referer", "LIST"), 302, "/contacts?q=o", "", ""},
		{"plain from the edit page", "POST", "_method=DELETE", withHeaders(cPlain, "Content-Type", contactsFormCT, "Referer", "EDIT"), 302, "/contacts", "", ""},
		{"json", "DELETE", "", cJSON, 200, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startContacts(t, "", 5)
			cl := s.client()
			list, edit := s.URL+"/contacts?q=o", s.URL+"/contacts/3/edit"
			headers := withHeaders(tc.headers)
			for i, h := range headers {
				headers[i] = strings.NewReplacer("LIST", list, "EDIT", edit).Replace(h)
			}
			path := "/contacts/3"
			if strings.Contains(tc.name, "query") {
				path += "?_method=DELETE&selected_contact_ids=1"
			}
			for round := range 2 { // the second DELETE finds nothing, and is no error
				resp, body := cl.do(tc.method, path, tc.body, headers...)
				if resp.StatusCode != tc.status {
					t.Fatalf("round %d: status %d, want %d: %s", round, resp.StatusCode, tc.status, body)
				}
				if got := resp.Header.Get("Location"); got != tc.location {
					t.Errorf("round %d: Location %q, want %q", round, got, tc.location)
				}
				if got := resp.Header.Get("HX-Redirect"); got != tc.redirect {
					t.Errorf("round %d: HX-Redirect %q, want %q", round, got, tc.redirect)
				}
				if got := resp.Header.Get("HX-Reswap"); got != tc.reswap {
					t.Errorf("round %d: HX-Reswap %q, want %q", round, got, tc.reswap)
				}
				if tc.reswap == "delete" && body != "" {
					t.Errorf("round %d: body %q, want none", round, body)
				}
			}
			if _, ok := s.Store.Get(3); ok {
				t.Error("contact 3 is still there")
			}
			if n := len(s.Store.All()); n != 4 {
				t.Errorf("%d contacts left, want 4 (only #3 deleted)", n)
			}
		})
	}
}

// TestContactsBulkDelete: DELETE /contacts with the checked ids, as htmx
// 2 sends them (query, form Content-Type, empty body), as htmx 4 does, as
// JSON (form names) and from a plain form.
func TestContactsBulkDelete(t *testing.T) {
	for _, tc := range []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		left                     int
	}{
		{"htmx2", "DELETE", "/contacts?selected_contact_ids=1&selected_contact_ids=2&_method=DELETE&q=o", "", withHeaders(cHTMX2, "Content-Type", contactsFormCT), 200, 3},
		{"htmx4", "DELETE", "/contacts?_method=DELETE&selected_contact_ids=1&selected_contact_ids=2&q=o", "", cHTMX4, 200, 3},
		{"json", "DELETE", "/contacts", `{"selected_contact_ids":[1,2]}`, withHeaders(cJSON, "Content-Type", "application/json"), 200, 3},
		{"plain", "POST", "/contacts", "_method=DELETE&selected_contact_ids=1&selected_contact_ids=2", withHeaders(cPlain, "Content-Type", contactsFormCT, "Referer", "/contacts?q=o"), 302, 3},
		{"none checked", "DELETE", "/contacts?q=o", "", cHTMX4, 422, 5},
		{"a bad id", "DELETE", "/contacts?selected_contact_ids=1&selected_contact_ids=x", "", cJSON, 400, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startContacts(t, "", 5)
			resp, body := s.client().do(tc.method, tc.path, tc.body, tc.headers...)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if n := len(s.Store.All()); n != tc.left {
				t.Errorf("%d contacts left, want %d", n, tc.left)
			}
			if strings.HasPrefix(tc.name, "htmx") {
				// The rows of the search "o" again: Joe (1) and Joan (2) are gone.
				if got := rowIDs(body); strings.Join(got, ",") != "3,4,5" && strings.Join(got, ",") != "" {
					t.Errorf("rows %v", got)
				}
				if got := rowIDs(body); strings.Contains(strings.Join(got, ","), "1") {
					t.Errorf("deleted rows still shown: %v", got)
				}
			}
		})
	}
}

// TestContactsCreate: POST /contacts beside GET /contacts and DELETE
// /contacts: the routes do not shadow each other.
func TestContactsCreate(t *testing.T) {
	s := startContacts(t, "", 2)
	cl := s.client()
	resp, body := cl.do("POST", "/contacts", "first_name=Ann&last_name=Lee&email=ann.lee%40example.com",
		withHeaders(cPlain, "Content-Type", contactsFormCT, "Referer", s.URL+"/contacts/new")...)
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "/contacts" {
		t.Fatalf("%d %q: %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	resp, body = cl.do("POST", "/contacts", "first_name=&email=x", withHeaders(cHTMX4, "Content-Type", contactsFormCT)...)
	if resp.StatusCode != 422 || !strings.Contains(body, `hx-post="/contacts"`) || !strings.Contains(body, "First name is required.") {
		t.Errorf("%d: %s", resp.StatusCode, body)
	}
	if n := len(s.Store.All()); n != 3 {
		t.Errorf("%d contacts, want 3", n)
	}
	if resp, _ := cl.do("GET", "/contacts/new", "", cPlain...); resp.StatusCode != 200 {
		t.Errorf("GET /contacts/new: %d", resp.StatusCode)
	}
}

// TestContactsHostile: malformed, oversized, duplicated and cross-origin
// requests change nothing and are answered with the right status.
func TestContactsHostile(t *testing.T) {
	big := "first_name=" + strings.Repeat("a", 2<<20)
	for _, tc := range []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		field                    string
	}{
		{"cross-origin _method=DELETE", "POST", "/contacts/1", "_method=DELETE", []string{"Content-Type", contactsFormCT, "Sec-Fetch-Site", "cross-site", "Origin", "http://evil.example"}, 403, ""},
		{"cross-origin _method=PUT, Origin only", "POST", "/contacts/1", "_method=PUT&first_name=X&email=x%40x.io", []string{"Content-Type", contactsFormCT, "Origin", "http://evil.example"}, 403, ""},
		{"cross-origin bulk", "POST", "/contacts", "_method=DELETE&selected_contact_ids=1", []string{"Content-Type", contactsFormCT, "Sec-Fetch-Site", "same-site"}, 403, ""},
		{"cross-origin DELETE", "DELETE", "/contacts/1", "", []string{"Sec-Fetch-Site", "cross-site"}, 403, ""},
		{"_method twice", "POST", "/contacts/1", "_method=DELETE&_method=DELETE", []string{"Content-Type", contactsFormCT, "Accept", "application/json"}, 400, "_method"},
		{"_method on GET", "GET", "/contacts/1?_method=DELETE", "", cJSON, 405, ""},
		{"_method=GET", "POST", "/contacts/1", "_method=GET", []string{"Content-Type", contactsFormCT}, 405, ""},
		{"first_name twice", "PUT", "/contacts/1", "first_name=A&first_name=B&email=a%40b.io", withHeaders(cJSON, "Content-Type", contactsFormCT), 400, "first_name"},
		{"first_name in query and body", "PUT", "/contacts/1?first_name=A", "first_name=B&email=a%40b.io", withHeaders(cJSON, "Content-Type", contactsFormCT), 400, "first_name"},
		{"id in the body", "PUT", "/contacts/1", `{"first_name":"A","email":"a@b.io","ID":2}`, withHeaders(cJSON, "Content-Type", "application/json"), 200, ""},
		{"bad :id", "DELETE", "/contacts/x", "", cJSON, 400, "id"},
		{"bad :id, PUT", "PUT", "/contacts/1e3", "first_name=A", withHeaders(cJSON, "Content-Type", contactsFormCT), 400, "id"},
		{"broken JSON", "PUT", "/contacts/1", `{"first_name":`, withHeaders(cJSON, "Content-Type", "application/json"), 400, ""},
		{"JSON of the wrong type", "DELETE", "/contacts", `{"selected_contact_ids":"1"}`, withHeaders(cJSON, "Content-Type", "application/json"), 400, "selected_contact_ids"},
		{"XML", "PUT", "/contacts/1", `<x/>`, withHeaders(cJSON, "Content-Type", "text/xml"), 415, ""},
		{"2 MiB", "PUT", "/contacts/1", big, withHeaders(cJSON, "Content-Type", contactsFormCT), 413, ""},
		{"page -1", "GET", "/contacts?page=-1", "", cJSON, 422, "page"},
		{"page twice", "GET", "/contacts?page=1&page=2", "", cJSON, 400, "page"},
		{"q of 101 runes", "GET", "/contacts?q=" + strings.Repeat("é", 101), "", cJSON, 422, "q"},
		{"PATCH", "PATCH", "/contacts/1", "first_name=A", []string{"Content-Type", contactsFormCT}, 405, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startContacts(t, "", 3)
			before := fmt.Sprint(s.Store.All())
			resp, body := s.client().do(tc.method, tc.path, tc.body, tc.headers...)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, tc.status, body)
			}
			if tc.field != "" && !strings.Contains(body, `"`+tc.field+`"`) {
				t.Errorf("the error does not name %s: %.300s", tc.field, body)
			}
			after := fmt.Sprint(s.Store.All())
			if tc.status >= 300 && before != after {
				t.Errorf("a refused request changed the store:\n%s\n%s", before, after)
			}
			if tc.name == "id in the body" {
				if c, _ := s.Store.Get(1); c.First != "A" {
					t.Errorf("the path's id lost to the body's: %+v", s.Store.All())
				}
			}
			if resp.StatusCode == 405 && resp.Header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
		})
	}
}

// TestContactsRoutes: the app's routes are the REST routes, no /api/.
func TestContactsRoutes(t *testing.T) {
	for name, want := range map[string]string{
		"contacts": "/contacts", "create_contact": "/contacts", "delete_contacts": "/contacts",
		"new_contact": "/contacts/new", "edit_contact": "/contacts/:id/edit", "update_contact": "/contacts/:id", "delete_contact": "/contacts/:id",
	} {
		if got, ok := contacts.Registry.Path(name); !ok || got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	u, err := contacts.DeleteContact.URL(7)
	if err != nil || u != "/contacts/7" {
		t.Errorf("URL(7) = %q, %v", u, err)
	}
	_ = url.PathEscape
}
