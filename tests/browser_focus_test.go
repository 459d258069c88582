package tests

// Where the focus is when things go wrong or take time: after a wrong or
// throttled login, and on a row's button while its request is in flight.

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fiberfn/fiberfn/demo/app"
)

// TestBrowserLoginFocus fails to log in with htmx 4, htmx 2 and without
// JavaScript: a missing username puts the focus on the username; a wrong
// password (401), and then a throttled account (429), on the emptied
// password field, which the form's message describes (so a screen reader
// reads it with the field; the message is also an alert). The focus never
// drops to <body>.
func TestBrowserLoginFocus(t *testing.T) {
	for _, mode := range browserModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			_, b := openDemoWith(t, mode, app.Options{Throttle: app.Throttle{AccountFailures: 2, AddressAttempts: 1000}})
			b.signup("alice", secretPassword)
			b.follow("#logout-form button[type=submit]", "/")
			b.open("/login")

			b.fill("#login-username", " ")
			b.fill("#login-password", "not-the-password")
			b.submit("#login-form button[type=submit]", "/login")
			b.waitFocus("#login-username")
			b.expectText("#login-username-error", "Enter your username.")

			throttled := regexp.MustCompile(`^Too many attempts\. Please wait \d+ minutes? and try again\.$`)
			for i := range 3 {
				b.fill("#login-username", "alice")
				b.fill("#login-password", "not-the-password")
				if i < 2 {
					b.submit("#login-form button[type=submit]", "/login")
				} else {
					b.submitRefused("#login-form button[type=submit]", "/login", 429)
				}
				b.waitFocus("#login-password")
				b.expectValue("#login-password", "")
				msg := b.text("#login-error")
				if i < 2 && msg != "Invalid username or password." || i == 2 && !throttled.MatchString(msg) {
					t.Errorf("attempt %d: the form says %q", i+1, msg)
				}
				if got := b.attr("#login-password", "aria-describedby"); !strings.Contains(got, "login-error") {
					t.Errorf("attempt %d: the password's aria-describedby is %q, want it to name #login-error", i+1, got)
				}
				if got := b.attr("#login-error", "role"); got != "alert" {
					t.Errorf("attempt %d: the message has role %q, want alert", i+1, got)
				}
			}
		})
	}
}

// TestBrowserFocusInFlight presses Enter on a row's toggle, and then on
// its Delete, with 300 ms of latency: while the request is in flight the
// row's buttons say they are unavailable (aria-disabled) but keep the
// focus, a second Enter sends nothing, and afterwards the focus is where
// it goes after a success (the toggle; the next row's toggle).
func TestBrowserFocusInFlight(t *testing.T) {
	for _, mode := range jsModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			d, b := openDemo(t, mode)
			b.signup("alice", secretPassword)
			seedTasks(t, d, "alice", "One", "Two")
			b.open("/")
			one, two := b.task("One"), b.task("Two")
			log := recordResponses(t, b.ctx)
			b.slowNetwork(300 * time.Millisecond)

			for _, step := range []struct{ sel, path, after string }{
				{one + toggleSel, "/api/toggle_task", one + toggleSel},
				{one + deleteSel, "/api/delete_task", two + toggleSel},
			} {
				mark := log.mark()
				b.run("focus "+step.sel, chromedp.Focus(chromedp.CSS(step.sel)))
				before := b.settles()
				b.press("\r")
				b.waitFor("the row's buttons unavailable", `document.querySelector(`+jsQuote(step.sel)+`).getAttribute("aria-disabled") === "true"`)
				b.press("\r") // ignored while in flight
				type state struct {
					Focused  bool `json:"focused"`
					Disabled bool `json:"disabled"`
					InFlight bool `json:"inFlight"`
				}
				st := eval[state](b, `(() => {
					const e = document.querySelector(`+jsQuote(step.sel)+`);
					return {focused: document.activeElement === e, disabled: e.disabled, inFlight: e.getAttribute("aria-disabled") === "true"};
				})()`)
				if st.InFlight && !st.Focused {
					t.Errorf("%s in flight: the focus is on %s, want it to stay on the button", step.sel, b.activeElement())
				}
				if st.Disabled {
					t.Errorf("%s in flight: the button is disabled (it would lose the focus)", step.sel)
				}
				b.waitSettles(before)
				b.waitFocus(step.after)
				b.expectScreenIsDB(d, "alice")
				n := 0
				for _, r := range log.waitDone(t, mark) {
					if strings.HasSuffix(r.URL, step.path) {
						n++
					}
				}
				switch {
				case !st.InFlight: // a slow machine: the answer came first
					t.Logf("%s: the answer came before the second Enter; its requests are not counted", step.sel)
				case n != 1:
					t.Errorf("Enter twice on %s sent %d requests to %s, want 1", step.sel, n, step.path)
				}
			}
			if got := b.attr(two+toggleSel, "aria-disabled"); got != "" {
				t.Errorf("the next row's toggle has aria-disabled=%q", got)
			}
		})
	}
}
