package tests

// The Contact.app (tests/contacts) in Chromium with htmx 4, htmx 2 and
// JavaScript off: active search with a pushed URL that reloads and goes
// Back, "Load more", edit with a validation error then a fix, delete from
// a row and from the edit page (hx-confirm accepted), bulk delete. After
// each step the screen is checked against the store.

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/fiberfn/fiberfn/tests/contacts"
)

// contactsTab is a browser tab on a Contact.app.
type contactsTab struct {
	*demoTab
	s       *contactsServer
	dialogs atomic.Int32 // confirm dialogs accepted
}

// openContacts starts the app with n contacts for the mode and a browser
// that accepts every confirm dialog (hx-confirm), counting them.
func openContacts(t *testing.T, mode browserMode, n int, opts ...browserOption) *contactsTab {
	t.Helper()
	s := startContacts(t, mode.htmx, n)
	if !mode.js {
		opts = append(opts, withoutJS())
	}
	ctx := newBrowser(t, opts...)
	b := &contactsTab{demoTab: &demoTab{t: t, ctx: ctx, base: s.URL, js: mode.js, htmx: mode.htmx}, s: s}
	if mode.js {
		params := page.AddScriptToEvaluateOnNewDocumentParams{Source: settleCounterJS}
		if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, params); err != nil {
			t.Fatalf("install the settle counter: %v", err)
		}
	}
	watchConsole(t, ctx)
	err := chromedp.Listen(ctx, func(ev any) {
		if ev, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			b.dialogs.Add(1)
			t.Logf("dialog %s: %q (accepted)", ev.Type, ev.Message)
			go func() { // not in the listener: it must not block the event loop
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			}()
		}
	})
	if err != nil {
		t.Fatalf("listen for dialogs: %v", err)
	}
	return b
}

// screenContact is a row of the list as the page shows it.
type screenContact struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email"`
}

// expectScreenIsStore checks that the list on screen is the store's
// search for the page's q: the first rows of it, in order, a whole number
// of pages (or all), with "Load more" exactly when some are left.
func (b *contactsTab) expectScreenIsStore(q string) {
	b.t.Helper()
	b.expectRows(q, true)
}

// expectRows is expectScreenIsStore, the search field's value checked only
// when field is set.
func (b *contactsTab) expectRows(q string, field bool) {
	b.t.Helper()
	type screen struct {
		Rows   []screenContact `json:"rows"`
		More   bool            `json:"more"`
		Search string          `json:"search"`
		None   bool            `json:"none"`
	}
	s := eval[screen](b.demoTab, `({
		rows: [...document.querySelectorAll("#contacts-body > tr.contact")].map(tr => ({
			id: Number(tr.id.replace("contact-", "")),
			name: tr.querySelector(".name").textContent.trim(),
			phone: tr.querySelector(".phone").textContent.trim(),
			email: tr.querySelector(".email").textContent.trim(),
		})),
		more: document.querySelector("#load-more") !== null,
		search: document.querySelector("#search")?.value ?? "",
		none: document.querySelector("#no-contacts") !== null,
	})`)
	if field && s.Search != q {
		b.t.Errorf("the search field holds %q, want %q", s.Search, q)
	}
	found := b.s.Store.Search(q)
	var want []screenContact
	for _, c := range found[:min(len(found), len(s.Rows))] {
		want = append(want, screenContact{c.ID, c.Name(), c.Phone, c.Email})
	}
	whole := len(s.Rows) == len(found) || len(s.Rows) > 0 && len(s.Rows)%contacts.PageSize == 0
	if fmt.Sprint(s.Rows) != fmt.Sprint(want) || !whole || s.More != (len(s.Rows) < len(found)) || s.None != (len(found) == 0) {
		b.t.Fatalf("the screen differs from the store (q=%q):\n screen %d rows %v, load more %v\n store  %d found, first %v",
			q, len(s.Rows), s.Rows, s.More, len(found), want)
	}
}

// waitRows waits until htmx is idle and the list shows n rows.
func (b *contactsTab) waitRows(what string, n int) {
	b.t.Helper()
	b.waitFor(what, fmt.Sprintf(`document.querySelectorAll("#contacts-body > tr.contact").length === %d && %s`, n, htmxIdleJS))
}

// waitAcrossLoads polls a JavaScript condition until it is true, like
// waitFor, through page loads (Back without JavaScript loads a page: an
// evaluation in the page that is going away fails, and is tried again).
func (b *contactsTab) waitAcrossLoads(what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(swapTimeout)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: not within %v (last error: %v)", what, swapTimeout, err)
		}
		time.Sleep(20 * time.Millisecond) // polling, as chromedp.Poll does
	}
}

// search types q into the search field: with JavaScript, the active
// search swaps the rows in and pushes /contacts?q=...; without, the form's
// button loads that page.
func (b *contactsTab) search(q string) {
	b.t.Helper()
	path := "/contacts?q=" + q
	b.fill("#search", q)
	if !b.js {
		b.follow("#search-button", path)
		return
	}
	b.waitFor("the search "+q, fmt.Sprintf(`location.pathname + location.search === %s && document.querySelector("#search").value === %s && %s`,
		jsQuote(path), jsQuote(q), htmxIdleJS))
	want := min(len(b.s.Store.Search(q)), contacts.PageSize)
	b.waitRows("the rows of "+q, want)
	if b.reloaded() {
		b.t.Fatalf("the active search reloaded the page")
	}
}

// TestBrowserContactsSearch: active search pushes its URL; a reload, a
// bookmark and Back show the same results.
func TestBrowserContactsSearch(t *testing.T) {
	for _, mode := range browserModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			b := openContacts(t, mode, 25)
			b.open("/contacts")
			b.expectScreenIsStore("")
			b.search("jo")
			b.expectScreenIsStore("jo")

			b.run("reload", chromedp.Reload())
			if got := b.location(); got != "/contacts?q=jo" {
				t.Fatalf("after the reload at %s", got)
			}
			b.mark()
			b.expectScreenIsStore("jo")

			b.search("person")
			b.expectScreenIsStore("person")
			b.back()
			b.waitAcrossLoads("Back to ?q=jo", `location.search === "?q=jo" && document.readyState === "complete" && document.querySelectorAll("#contacts-body > tr.contact").length === 2 && `+htmxIdleJS)
			// Without JavaScript the page comes back from the back/forward
			// cache as it was left: its rows for "jo", and in the field what
			// was typed before the next search ("person"), as with any GET
			// form. htmx restores the field with the rows.
			b.expectRows("jo", b.js)
			if !b.js {
				t.Logf("after Back without JavaScript the search field holds %q", b.value("#search"))
			}

			b.open("/contacts?q=ann") // a bookmark
			b.expectScreenIsStore("ann")
			b.expectText("#contact-3 .name", "Ann <b>Lee</b>")
		})
	}
}

// TestBrowserContactsLoadMore: "Load more" appends the next page until
// the last; without JavaScript it is a link to a page with more rows.
func TestBrowserContactsLoadMore(t *testing.T) {
	for _, mode := range browserModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			b := openContacts(t, mode, 25)
			b.open("/contacts")
			for page := 2; page <= 3; page++ {
				if b.js {
					b.submit("#load-more-link", "/contacts")
				} else {
					b.follow("#load-more-link", fmt.Sprintf("/contacts?page=%d", page))
				}
				b.waitRows(fmt.Sprintf("page %d", page), min(25, page*contacts.PageSize))
				b.expectScreenIsStore("")
			}
			if b.exists("#load-more") {
				t.Error("Load more after the last page")
			}
		})
	}
}

// TestBrowserContactsEdit: a PUT with validation errors shows them beside
// the fields, keeping what was typed; the fix saves and goes to the list.
func TestBrowserContactsEdit(t *testing.T) {
	for _, mode := range browserModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			b := openContacts(t, mode, 5)
			b.open("/contacts")
			b.follow("#contact-2 a.edit", "/contacts/2/edit")
			b.expectValue("#email", "joan@example.com")

			eval[chromedp.Void](b.demoTab, `document.querySelector("#first_name").value = ""`)
			b.fill("#last_name", "Smyth")
			b.fill("#email", "not-an-email")
			b.submit("#save", "/contacts/2/edit")
			b.expectText("#first_name-error", "First name is required.")
			b.expectText("#email-error", "Enter an email address like ann@example.com.")
			b.expectValue("#last_name", "Smyth")
			b.expectValue("#email", "not-an-email")
			if c, _ := b.s.Store.Get(2); c.Last != "Smith" {
				t.Fatalf("a failed PUT changed the contact: %+v", c)
			}

			b.fill("#first_name", "Joanna")
			b.fill("#email", "joanna@example.com")
			b.follow("#save", "/contacts")
			b.expectText("#notice", "Saved Joanna Smyth.")
			if c, _ := b.s.Store.Get(2); c.First != "Joanna" || c.Last != "Smyth" || c.Email != "joanna@example.com" {
				t.Fatalf("stored %+v", c)
			}
			b.expectScreenIsStore("")
		})
	}
}

// TestBrowserContactsDelete: DELETE from a row (the row goes, the page
// stays) and from the edit page (back to the list), after hx-confirm.
func TestBrowserContactsDelete(t *testing.T) {
	for _, mode := range browserModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			b := openContacts(t, mode, 5)
			b.open("/contacts?q=jo")
			if b.js {
				b.run("click Delete in the row", chromedp.Click(chromedp.CSS("#contact-1 button.delete")))
				b.waitFor("the row goes", `!document.querySelector("#contact-1") && `+htmxIdleJS)
				if b.reloaded() || b.location() != "/contacts?q=jo" {
					t.Fatalf("the page reloaded or moved: %s", b.location())
				}
			} else {
				b.follow("#contact-1 button.delete", "/contacts?q=jo")
			}
			if _, ok := b.s.Store.Get(1); ok {
				t.Fatal("contact 1 is still stored")
			}
			b.expectScreenIsStore("jo")
			if errs := b.text("#fiberfn-errors"); errs != "" {
				t.Errorf("error shown: %q", errs)
			}

			b.open("/contacts/2/edit")
			b.follow("#delete-contact", "/contacts")
			if _, ok := b.s.Store.Get(2); ok {
				t.Fatal("contact 2 is still stored")
			}
			b.expectText("#notice", "Deleted.")
			b.expectScreenIsStore("")
			if want := map[bool]int32{true: 2, false: 0}[b.js]; b.dialogs.Load() != want {
				t.Errorf("%d confirm dialogs, want %d", b.dialogs.Load(), want)
			}
		})
	}
}

// TestBrowserContactsBulkDelete: check three rows, delete them at once.
func TestBrowserContactsBulkDelete(t *testing.T) {
	for _, mode := range browserModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			b := openContacts(t, mode, 25)
			b.open("/contacts")
			for _, id := range []int{1, 3, 5} {
				b.run("check a row", chromedp.Click(chromedp.CSS(fmt.Sprintf("#contact-%d input[type=checkbox]", id))))
			}
			if b.js {
				b.submit("#bulk-delete", "/contacts")
			} else {
				b.follow("#bulk-delete", "/contacts")
			}
			for _, id := range []int{1, 3, 5} {
				if _, ok := b.s.Store.Get(id); ok {
					t.Errorf("contact %d is still stored", id)
				}
			}
			if n := len(b.s.Store.All()); n != 22 {
				t.Errorf("%d contacts left, want 22", n)
			}
			b.expectScreenIsStore("")
			if want := map[bool]int32{true: 1, false: 0}[b.js]; b.dialogs.Load() != want {
				t.Errorf("%d confirm dialogs, want %d", b.dialogs.Load(), want)
			}
		})
	}
}

// TestBrowserContactsSlowDoubleDelete: with 300 ms of latency, a second
// click on a row's Delete while its DELETE is under way removes the row
// once and shows no error.
func TestBrowserContactsSlowDoubleDelete(t *testing.T) {
	for _, mode := range browserModes[:2] {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			b := openContacts(t, mode, 5)
			log := recordResponses(t, b.ctx)
			b.open("/contacts")
			b.slowNetwork(300 * time.Millisecond)
			mark := log.mark()
			// A double click: chromedp.DoubleClick's second click lands while
			// the first one's confirm dialog is open and is lost, so click,
			// accept, and click again while the DELETE is under way.
			b.run("click Delete", chromedp.Click(chromedp.CSS("#contact-3 button.delete")))
			b.waitFor("the DELETE under way", `document.querySelector(".htmx-request") !== null`)
			// The second click must not wait for the button: the first
			// answer may have removed the row already (then it is a no-op).
			landed := eval[bool](b.demoTab, `(() => {
				const btn = document.querySelector("#contact-3 button.delete");
				if (!btn) return false;
				btn.click();
				return true;
			})()`)
			t.Logf("the second click landed on the row: %v", landed)
			b.waitFor("the row goes", `!document.querySelector("#contact-3") && `+htmxIdleJS)
			rs := log.waitDone(t, mark)
			var deletes []string
			for _, r := range rs {
				if r.Method == "DELETE" {
					deletes = append(deletes, fmt.Sprintf("%s %d", r.URL, r.Status))
				}
			}
			t.Logf("requests after the double click: %s; %d dialogs", strings.Join(deletes, ", "), b.dialogs.Load())
			if len(deletes) == 0 {
				t.Fatal("no DELETE was sent")
			}
			if b.reloaded() {
				t.Error("the page reloaded")
			}
			if errs := b.text("#fiberfn-errors"); errs != "" {
				t.Errorf("error shown: %q", errs)
			}
			if n := len(b.s.Store.All()); n != 4 {
				t.Errorf("%d contacts left, want 4", n)
			}
			b.expectScreenIsStore("")
		})
	}
}
