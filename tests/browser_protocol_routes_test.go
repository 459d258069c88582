package tests

// The real-browser proofs of issue 16's protocol parts, with htmx 4.0.1
// and 2.0.11 (and without JavaScript where a plain page can act): a
// DELETE function removing its row with no template (fiberfn.RemoveTarget),
// an error from an element without an error slot reaching the page's
// #fiberfn-errors, and a GET function with a Page whose pushed URL
// reloads as a whole page.

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserProtocolRemoveTarget: a row's Delete button (hx-delete, its
// hx-target the row) calls a DELETE function that calls
// fiberfn.RemoveTarget and sends the row count out of band. fiberfn
// answers 200, HX-Reswap: delete, the count alone: htmx 4 and htmx 2 both
// remove the row (also the one whose button says hx-swap="innerHTML") and
// swap the count. Without JavaScript the row's form posts _method=DELETE
// to the same URL and the page comes back without the row.
func TestBrowserProtocolRemoveTarget(t *testing.T) {
	for _, v := range protoVersions {
		t.Run("htmx-"+v, func(t *testing.T) {
			a, b := openProto(t, v, true)
			b.open("/rows")
			b.expectText("#row-count", "3 rows")
			b.click("#del-1")
			b.waitUntil("row 1 goes", `!document.querySelector("#row-1") && document.querySelector("#row-count")?.textContent === "2 rows" && `+htmxIdleJS)
			r := a.lastRequest(t, "DELETE", "/rows/1")
			if r.Status != 200 || r.Resp["HX-Reswap"] != "delete" {
				t.Errorf("DELETE /rows/1: %d %v, want 200 with HX-Reswap: delete", r.Status, r.Resp)
			}
			// hx-swap="innerHTML" on the button: the delete still removes the row.
			b.click("#del-2")
			b.waitUntil("row 2 goes", `!document.querySelector("#row-2") && document.querySelector("#row-count")?.textContent === "1 rows" && `+htmxIdleJS)
			if b.reloaded() {
				t.Errorf("the page reloaded; want htmx to remove the rows in place")
			}
			if n := eval[int](b.demoTab, `document.querySelectorAll("#rows tr").length`); n != 1 {
				t.Errorf("%d rows left, want 1", n)
			}
			a.dumpRequests(t, "remove target")
		})
	}
	t.Run("no-js", func(t *testing.T) {
		a, b := openProto(t, protoVersions[0], false)
		b.open("/rows")
		b.follow("#del-3", "/rows")
		if b.exists("#row-3") {
			t.Errorf("row 3 is still there")
		}
		b.expectText("#row-count", "2 rows")
		r := a.lastRequest(t, "POST", "/rows/3")
		if r.Status != 302 {
			t.Errorf("POST /rows/3 with _method=DELETE: %d, want 302 back", r.Status)
		}
	})
}

// TestBrowserProtocolErrorSlots: a function refuses (409). From the form,
// whose .fiberfn-errors slot is inside it, the error lands there. From a
// button in a table row, which has no slot, it lands in the page's
// #fiberfn-errors: htmx resolves the default HX-Retarget
// "find .fiberfn-errors, #fiberfn-errors" to the first match. On a page
// without that element, fiberfn's error script adds it before htmx looks
// (htmx 2: on the fiberfn:error event, which it triggers before it
// resolves the target; htmx 4: on htmx:response:error), and empties it
// when the next request starts; no uncaught exception either way.
func TestBrowserProtocolErrorSlots(t *testing.T) {
	for _, v := range protoVersions {
		for _, script := range []bool{false, true} {
			name := "htmx-" + v + "/page-slot"
			path := "/slots"
			if script {
				name, path = "htmx-"+v+"/error-script", "/slots?script=1"
			}
			t.Run(name, func(t *testing.T) {
				a, b := openProto(t, v, true)
				b.open(path)
				if script && b.exists("#fiberfn-errors") {
					t.Fatalf("the page has a #fiberfn-errors before any error")
				}
				b.click("#row-button")
				b.waitUntil("the row's error shows in the page's slot", `document.querySelector("#fiberfn-errors")?.textContent.includes("Not allowed: row.") && `+htmxIdleJS)
				if !b.exists("#slot-row") {
					t.Errorf("the row was replaced by the error")
				}
				if got := b.text("#form-slot"); got != "" {
					t.Errorf("the form's slot says %q, want nothing", got)
				}
				if n := eval[int](b.demoTab, `document.querySelectorAll("#fiberfn-errors [role=alert]").length`); n != 1 {
					t.Errorf("%d alerts in the page's slot, want 1", n)
				}
				b.click("#form-submit")
				b.waitUntil("the form's error shows in its own slot", `document.querySelector("#form-slot")?.textContent.includes("Not allowed: form.") && `+htmxIdleJS)
				if script {
					if got := b.text("#fiberfn-errors"); got != "" {
						t.Errorf("the page's slot still says %q after the next request", got)
					}
				}
				if b.reloaded() {
					t.Errorf("the page reloaded")
				}
				r := a.lastRequest(t, "POST", "/api/refuse")
				if r.Status != 409 || r.Resp["HX-Retarget"] != "find .fiberfn-errors, #fiberfn-errors" || !strings.Contains(r.Resp["HX-Trigger"], "fiberfn:error") {
					t.Errorf("POST /api/refuse: %d %v", r.Status, r.Resp)
				}
			})
		}
	}
}

// TestBrowserProtocolGetPage: typing in an active search (hx-get with
// hx-push-url on a GET function with Render and Page) swaps the results
// in and pushes /search?q=jo; a reload of that URL is a plain browser GET,
// which fiberfn answers with the whole page (the Page template in the
// layout), the results and the query kept. Without JavaScript the form
// (method="get") lands on the same page.
func TestBrowserProtocolGetPage(t *testing.T) {
	for _, v := range protoVersions {
		t.Run("htmx-"+v, func(t *testing.T) {
			a, b := openProto(t, v, true)
			b.open("/search")
			b.run("type", chromedp.SendKeys(chromedp.CSS("#q"), "jo"))
			b.waitUntil("the results and the pushed URL", `location.search === "?q=jo" && document.querySelectorAll("#results li").length === 3 && `+htmxIdleJS)
			if b.reloaded() {
				t.Fatalf("the search reloaded the page")
			}
			r := a.lastRequest(t, "GET", "/search")
			if r.Status != 200 || r.Req["HX-Request"] != "true" {
				t.Errorf("the search: %v", r)
			}
			b.reload()
			b.expectPage("/search?q=jo", "Search", "Search")
			b.expectValue("#q", "jo")
			if n := eval[int](b.demoTab, `document.querySelectorAll("#results li").length`); n != 3 {
				t.Errorf("%d results after the reload, want 3", n)
			}
			r = a.lastRequest(t, "GET", "/search")
			if r.Status != 200 || r.Req["HX-Request"] != "" {
				t.Errorf("the reload: %v, want a plain GET answered 200", r)
			}
			a.dumpRequests(t, "get page")
		})
	}
	t.Run("no-js", func(t *testing.T) {
		_, b := openProto(t, protoVersions[0], false)
		b.open("/search")
		b.fill("#q", "ann")
		b.follow("#search-go", "/search?q=ann")
		b.expectText("#results", "AnnJohanna")
		b.expectValue("#q", "ann")
	})
}
