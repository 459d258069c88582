package tests

// Browser tests of issue 9's hardening: the Back button after logout shows
// no private data, and the harness's CSP check catches violations.

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/fiberfn/fiberfn/demo/app"
)

// TestBrowserBackAfterLogout logs in, adds a task, visits the settings
// page and the task list, logs out and presses Back twice: neither page
// comes back from a cache with the user's name or tasks (they are
// no-store, so the browser asks the server, which answers as to a visitor
// who is logged out). With htmx 4, htmx 2 and without JavaScript, under
// the demo's CSP.
func TestBrowserBackAfterLogout(t *testing.T) {
	for _, mode := range browserModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			_, b := openDemo(t, mode)
			const user, secret = "backbutton", "Buy a birthday present"
			b.signup(user, "backbutton-password")
			b.addTask(secret)
			b.open("/settings")
			mustContain(t, "settings page", b.text("body"), user)
			b.open("/?filter=all")
			mustContain(t, "task list", b.text("body"), user, secret)

			b.follow("#logout-form button[type=submit]", "/")
			b.expectText("p.notice", "You have been logged out.")

			for _, want := range []string{"/?filter=all", "/login?next=%2Fsettings"} {
				b.back()
				b.waitLocation(want)
				body := b.text("body")
				mustNotContain(t, "page after Back ("+want+")", body, user, secret)
				if !b.exists(`a[href="/login"]`) {
					t.Errorf("page after Back (%s) does not offer to log in:\n%s", want, body)
				}
			}
		})
	}
}

// back presses the Back button. Unlike chromedp.NavigateBack it does not
// wait for a load event: a page restored from the back/forward cache
// fires none, and such a page is what the test must see and fail on.
func (b *demoTab) back() {
	b.t.Helper()
	h, err := chromedp.Call(b.ctx, page.GetNavigationHistory, cdp.Empty{})
	if err != nil {
		b.t.Fatalf("navigation history: %v", err)
	}
	if h.CurrentIndex < 1 {
		b.t.Fatalf("nothing to go back to")
	}
	params := page.NavigateToHistoryEntryParams{EntryID: h.Entries[h.CurrentIndex-1].ID}
	if _, err := chromedp.Call(b.ctx, page.NavigateToHistoryEntry, params); err != nil {
		b.t.Fatalf("press Back: %v", err)
	}
}

// TestBrowserThrottleMessage fails to log in until the account is
// throttled: the login form then says so in its error slot, with htmx 4
// (which swaps the 429 in by default), htmx 2 (whose htmx-config lets it
// swap 4xx answers) and without JavaScript (redirected back to the form).
func TestBrowserThrottleMessage(t *testing.T) {
	for _, mode := range browserModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			_, b := openDemoWith(t, mode, app.Options{Throttle: app.Throttle{AccountFailures: 2, AddressAttempts: 1000}})
			b.signup("throttled", "throttled-password")
			b.follow("#logout-form button[type=submit]", "/")
			b.open("/login")
			throttled := regexp.MustCompile(`^Too many attempts\. Please wait \d+ minutes? and try again\.$`)
			for i, want := range []string{"Invalid username or password.", "Invalid username or password.", throttled.String()} {
				b.fill("#login-username", "throttled")
				b.fill("#login-password", "not-the-password")
				if i < 2 {
					b.submit("#login-form button[type=submit]", "/login")
				} else { // without JavaScript the form comes back as a 429 page
					b.submitRefused("#login-form button[type=submit]", "/login", 429)
				}
				if got := b.text("#login-form .fiberfn-errors"); got != want && !(i == 2 && throttled.MatchString(got)) {
					t.Fatalf("attempt %d: the form says %q, want %q", i+1, got, want)
				}
			}
			// The right password is refused too while the account is
			// throttled.
			b.fill("#login-username", "throttled")
			b.fill("#login-password", "throttled-password")
			b.submitRefused("#login-form button[type=submit]", "/login", 429)
			if got := b.text("#login-form .fiberfn-errors"); !throttled.MatchString(got) {
				t.Errorf("the right password while throttled: the form says %q", got)
			}
			b.expectValue("#login-username", "throttled")
		})
	}
}

// TestBrowserWriteLimitMessage adds tasks until the user's write limit:
// the add form then says so and keeps the title, with htmx 4, htmx 2 and
// without JavaScript (whose form comes back as a 429 page), and no task is
// added.
func TestBrowserWriteLimitMessage(t *testing.T) {
	for _, mode := range browserModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			d, b := openDemoWith(t, mode, app.Options{Throttle: app.Throttle{UserWrites: 2}})
			b.signup("busy", "busy-password")
			b.addTask("first")
			b.addTask("second")
			b.fill("#new-task-title", "one too many")
			b.submitRefused("#add-task-form button[type=submit]", "/", 429)
			if got := b.text("#new-task-error"); !regexp.MustCompile(`^Too many changes in a short time\. Please wait \d+ (seconds?|minutes?) and try again\.$`).MatchString(got) {
				t.Errorf("the add form says %q", got)
			}
			b.expectValue("#new-task-title", "one too many")
			b.expectTasks([]string{"first", "second"}, nil)
			if n := d.taskCount("busy"); n != 2 {
				t.Errorf("%d tasks stored, want 2", n)
			}
		})
	}
}

// waitLocation waits until the page's path and query are want and it has
// loaded. (Evaluating fails while the document is being replaced; it
// tries again.)
func (b *demoTab) waitLocation(want string) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.readyState === "complete" ? location.pathname + location.search : ""`))
		if err == nil && got == want {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("at %s, want %s", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestBrowserCSPWatch proves the harness's CSP check: a page that breaks
// a strict policy (an inline script, an inline style element and a style
// attribute) is reported, with JavaScript on and off; the same page
// without the violations is not.
func TestBrowserCSPWatch(t *testing.T) {
	const clean = `<p id="x">clean</p>`
	const dirty = `<style>p { color: red }</style><p id="x" style="color: blue">dirty</p><script>document.title = "ran"</script>`
	mux := http.NewServeMux()
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Content-Security-Policy", app.ContentSecurityPolicy)
			fmt.Fprintf(w, `<!doctype html><html><head><meta charset="utf-8"><title>csp</title></head><body>%s</body></html>`, body)
		}
	}
	mux.HandleFunc("GET /clean", page(clean))
	mux.HandleFunc("GET /dirty", page(dirty))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	for _, js := range []bool{true, false} {
		t.Run(fmt.Sprintf("js=%v", js), func(t *testing.T) {
			report := &cspReport{}
			opts := []browserOption{withCSPReport(report)}
			if !js {
				opts = append(opts, withoutJS())
			}
			ctx := newBrowser(t, opts...)
			if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/clean")); err != nil {
				t.Fatal(err)
			}
			time.Sleep(200 * time.Millisecond)
			if v := report.violations(); len(v) != 0 {
				t.Fatalf("a clean page reported %q", v)
			}
			if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/dirty")); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for len(report.violations()) < 2 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			v := strings.Join(report.violations(), "\n")
			if !strings.Contains(v, "style") {
				t.Errorf("the inline styles were not reported; got:\n%s", v)
			}
			if js && !strings.Contains(v, "script") {
				t.Errorf("the inline script was not reported; got:\n%s", v)
			}
			t.Logf("reported:\n%s", v)
		})
	}
}
