package tests

// public/js/app.js on its own, against a small server whose answers are
// chosen by the test: server failures and foreign error pages go to the
// failure bar instead of replacing part of the page; a form error from
// fiberfn (HX-Retarget) is swapped in where it belongs; Retry sends the
// same form again.

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/fiberfn/fiberfn/fiberfn/htmx"
	"github.com/fiberfn/fiberfn/public"
)

// failureServer serves a page with htmx of the version, app.js and one
// form that posts to /act. /act answers with the first of answers,
// removing it; when there are none left, with 200 and a fresh section.
type failureServer struct {
	*httptest.Server
	mu      sync.Mutex
	answers []func(w http.ResponseWriter)
	posts   int
}

func newFailureServer(t *testing.T, version string, answers ...func(w http.ResponseWriter)) *failureServer {
	t.Helper()
	s := &failureServer{answers: answers}
	mux := http.NewServeMux()
	mux.Handle("/public/", http.StripPrefix("/public/", http.FileServer(http.FS(public.FS))))
	mux.HandleFunc("POST /act", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.posts++
		n := s.posts
		var answer func(w http.ResponseWriter)
		if len(s.answers) > 0 {
			answer, s.answers = s.answers[0], s.answers[1:]
		}
		s.mu.Unlock()
		if answer != nil {
			answer(w)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<section id="box"><p id="content">answer %d</p>%s</section>`, n, failureForm)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// The strict policy of the hardening work: app.js must run
		// under it (tests below count its violations).
		w.Header().Set("Content-Security-Policy", strictCSP)
		fmt.Fprintf(w, `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>failures</title>
%s
<script src="%s"></script>
<script src="/public/js/app.js" defer></script>
</head><body>
<div id="task-errors" data-error-slot></div>
<section id="box"><p id="content">start</p>%s</section>
<div id="live" role="status" aria-live="polite"></div>
<div id="failure" role="alert"></div>
</body></html>`, htmx.ConfigMeta, public.HTMXScript(version), failureForm)
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// strictCSP allows scripts and styles from the page's origin only: no
// inline script, handler, style attribute or eval.
const strictCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'"

// cspViolationsJS runs in every page before its own scripts and records
// the Content-Security-Policy violations in window.__csp.
const cspViolationsJS = `
window.__csp = [];
document.addEventListener("securitypolicyviolation", e => {
	window.__csp.push({directive: e.violatedDirective, source: e.sourceFile || "", sample: e.sample || "", blocked: e.blockedURI || ""});
});`

// failureForm is the form of the failure page: it swaps the whole #box.
const failureForm = `<form id="act" method="post" action="/act" hx-post="/act" hx-target="#box" hx-swap="outerHTML" data-announce="Done" data-announce-field="field" data-focus="#go">
<input id="field" name="field" value="typed"><button id="go" type="submit">Go</button>
<span class="field-error" id="field-error"></span></form>`

func (s *failureServer) postCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.posts
}

func answerText(status int, text string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprint(w, text)
	}
}

func answerFragment(status int, retarget, swap, html string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("HX-Retarget", retarget)
		w.Header().Set("HX-Reswap", swap)
		w.WriteHeader(status)
		fmt.Fprint(w, html)
	}
}

func TestBrowserFailureBar(t *testing.T) {
	for _, version := range []string{public.HTMXDefault, public.HTMXLegacy} {
		t.Run("htmx-"+version, func(t *testing.T) {
			t.Parallel()
			srv := newFailureServer(t, version,
				// 1: a plain 500 from outside fiberfn (the app's error
				// handler, a proxy)
				answerText(500, "Something went wrong on our side. Please try again."),
				// 2: a rate limiter's 429
				answerText(429, "Too many requests"),
				// 3: a fiberfn 500 fragment aimed at the error slot
				answerFragment(500, "#task-errors", "innerHTML", `<div class="fiberfn-error" role="alert"><p>The database is busy.</p></div>`),
				// 4: a fiberfn 404 fragment: a form error, shown in its slot
				answerFragment(404, "#task-errors", "innerHTML", `<div class="fiberfn-error" role="alert"><p>That task does not exist (any more).</p></div>`),
			)
			ctx := newBrowser(t)
			for _, js := range []string{settleCounterJS, cspViolationsJS} {
				params := page.AddScriptToEvaluateOnNewDocumentParams{Source: js}
				if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, params); err != nil {
					t.Fatalf("install a page script: %v", err)
				}
			}
			watchConsole(t, ctx)
			b := &demoTab{t: t, ctx: ctx, base: srv.URL, js: true, htmx: version}
			b.open("/")
			b.waitFor("htmx and app.js", `!!window.htmx && document.readyState === "complete"`)

			shown := "start" // the content before the click
			click := func() {
				t.Helper()
				shown = b.text("#content")
				b.run("click Go", chromedp.Click(chromedp.CSS("#go")))
			}
			failure := func(want string, retry bool) {
				t.Helper()
				b.waitFor("the failure bar", `document.querySelector("#failure p")?.textContent === `+jsQuote(want))
				if got := b.exists(`#failure button[data-action=retry]`); got != retry {
					t.Errorf("failure %q: Retry shown = %v, want %v", want, got, retry)
				}
				if got := b.text("#content"); got != shown {
					t.Errorf("failure %q: the page changed to %q; an error answer must not replace the content", want, got)
				}
			}

			click()
			failure("Something went wrong on our side. Please try again. Nothing may have been saved (error 500).", true)
			click()
			failure("Too many requests. (error 429)", true)
			click()
			failure("The database is busy. Nothing may have been saved (error 500).", true)
			if got := b.text("#task-errors"); got != "" {
				t.Errorf("a 500 fragment was swapped into its slot too: %q", got)
			}

			// A form error lands in its slot; the failure bar goes.
			click()
			b.waitFor("the 404 in its slot", `document.querySelector("#task-errors").textContent.includes("does not exist")`)
			if b.exists("#failure p") {
				t.Errorf("the failure bar stayed up beside the next error: %q", b.text("#failure"))
			}
			if n := eval[int](b, `document.querySelectorAll("[role=alert] [role=alert]").length`); n != 0 {
				t.Errorf("%d alerts nested in alerts", n)
			}

			// A success empties the error slot, says so, and moves the
			// focus as the form asks.
			// (htmx 2 makes new content live when it settles, 20 ms after
			// the swap: click only then, or the click posts the form
			// without htmx.)
			settled := b.settles()
			click()
			b.waitSettles(settled)
			b.waitFor("the success", `document.querySelector("#content").textContent === "answer 5"`)
			b.waitFor("the error slot to empty", `document.querySelector("#task-errors").childElementCount === 0`)
			b.waitFor("the announcement", `document.querySelector("#live").textContent === "Done: typed"`)
			b.waitFocus("#go")

			// Retry sends the form once more.
			srv.mu.Lock()
			srv.answers = append(srv.answers, answerText(503, "Down for maintenance"))
			srv.mu.Unlock()
			click()
			failure("Down for maintenance. Nothing may have been saved (error 503).", true)
			posts := srv.postCount()
			settled = b.settles()
			b.run("focus Retry", chromedp.Focus(chromedp.CSS(`#failure button[data-action=retry]`)))
			b.press("\r")
			b.waitSettles(settled)
			b.waitFor("the retried answer", `document.querySelector("#content").textContent === "answer 7"`)
			if got := srv.postCount(); got != posts+1 {
				t.Errorf("Retry made %d posts, want 1", got-posts)
			}
			if b.exists("#failure p") {
				t.Errorf("the failure bar stayed up after a successful retry")
			}

			// Dismiss closes the bar and gives the focus back to the form.
			srv.mu.Lock()
			srv.answers = append(srv.answers, answerText(502, "Bad gateway"))
			srv.mu.Unlock()
			click()
			failure("Bad gateway. Nothing may have been saved (error 502).", true)
			b.run("focus Dismiss", chromedp.Focus(chromedp.CSS(`#failure button[data-action=dismiss]`)))
			b.press("\r")
			b.waitFor("the bar to close", `document.querySelector("#failure").childElementCount === 0`)
			b.waitFocus("#go")

			// app.js ran under the strict policy without breaking it.
			type violation struct{ Directive, Source, Sample, Blocked string }
			for _, v := range eval[[]violation](b, `window.__csp`) {
				if strings.Contains(v.Source, "/js/app.js") {
					t.Errorf("app.js violates the Content-Security-Policy: %+v", v)
				} else {
					t.Logf("CSP violation (not app.js): %+v", v)
				}
			}
		})
	}
}
