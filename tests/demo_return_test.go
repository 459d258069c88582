package tests

// Without JavaScript, a toggle or a delete loads the list again: the
// redirect brings the visitor back to the row (or the row that took its
// place), as rename does, instead of the top of a long list.

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/fiberfn/fiberfn/demo/app"
)

// TestDemoPlainPostsReturnToTheRow toggles and deletes tasks with plain
// form posts and checks where each redirect goes: the page the post came
// from (its filter kept) at the toggled row, or at the next row when the
// row left the list (the previous one after the last; the task section
// when none is left). A repeated delete (a double click) goes back quietly,
// without "does not exist". htmx and JSON callers are unchanged: htmx gets
// the fragment, a repeated delete 404s.
func TestDemoPlainPostsReturnToTheRow(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	c := newPlainClient(t, d.URL)
	c.signup("rower", "rower-password")
	for _, title := range []string{"One", "Two", "Three", "Four"} {
		c.post("/api/add_task", url.Values{"title": {title}})
	}
	ids := taskIDs(c.get("/").Body) // newest first
	if len(ids) != 4 {
		t.Fatalf("tasks %v, want 4", ids)
	}
	slices.Reverse(ids) // ids[0] is One, ids[3] Four

	// post sends a plain post from page and checks the redirect's
	// Location (with its fragment) and where the client landed.
	post := func(page, fn string, form url.Values, location string) result {
		t.Helper()
		c.get(page)
		r := c.post("/api/"+fn, form)
		if r.Redirect == nil || r.Redirect.StatusCode != http.StatusFound {
			t.Fatalf("%s from %s: no 302 (status %d at %s)", fn, page, r.Status, r.URL)
		}
		if got := r.Redirect.Header.Get("Location"); got != location {
			t.Errorf("%s %v from %s: redirected to %q, want %q", fn, form, page, got, location)
		}
		if r.Status != http.StatusOK {
			t.Errorf("%s from %s: landed with %d", fn, page, r.Status)
		}
		mustNotContain(t, fn+" from "+page, r.Body, "does not exist")
		return r
	}

	// The list is newest first: Four, Three, Two, One.
	post("/", "toggle_task", url.Values{"id": {ids[1]}, "done": {"true"}}, "/#task-"+ids[1])
	// Under the open filter, a toggled row leaves the list: the next
	// (older) open one.
	post("/?filter=open", "toggle_task", url.Values{"id": {ids[2]}, "done": {"true"}}, "/?filter=open#task-"+ids[0])
	// Under the done filter (Three, Two), Three leaves: Two.
	post("/?filter=done", "toggle_task", url.Values{"id": {ids[2]}, "done": {"false"}}, "/?filter=done#task-"+ids[1])

	// The last row: the one before it.
	post("/", "delete_task", url.Values{"id": {ids[0]}}, "/#task-"+ids[1])
	// The same delete again (a double click): quietly back, no error.
	post("/", "delete_task", url.Values{"id": {ids[0]}}, "/#task-"+ids[1])
	post("/", "delete_task", url.Values{"id": {ids[3]}}, "/#task-"+ids[2])
	post("/", "delete_task", url.Values{"id": {ids[2]}}, "/#task-"+ids[1])
	r := post("/", "delete_task", url.Values{"id": {ids[1]}}, "/#tasks")
	mustContain(t, "the empty list", r.Body, "Nothing to do yet")
	if n := d.taskCount("rower"); n != 0 {
		t.Errorf("%d tasks left, want 0", n)
	}

	// htmx: the answer is the fragment; a repeated delete is a 404 that
	// says so (and corrects the page).
	h := newHTMXClient(t, d.URL)
	h.login("rower", "rower-password", false)
	h.post("/api/add_task", url.Values{"title": {"Five"}})
	five := taskIDs(h.get("/").Body)[0]
	if r := h.post("/api/delete_task", url.Values{"id": {five}}); r.Status != http.StatusOK || r.Header.Get("Location") != "" {
		t.Errorf("htmx delete: %d, Location %q", r.Status, r.Header.Get("Location"))
	}
	r = h.post("/api/delete_task", url.Values{"id": {five}})
	if r.Status != http.StatusNotFound || !strings.Contains(r.Body, "That task does not exist") {
		t.Errorf("htmx repeated delete: %d %s", r.Status, r.Body)
	}
	// JSON: 404.
	r = h.postBody("/api/delete_task", "application/json", `{"id":`+five+`}`, "Accept", "application/json")
	if r.Status != http.StatusNotFound {
		t.Errorf("JSON repeated delete: %d %s", r.Status, r.Body)
	}
}
