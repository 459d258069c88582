package tests

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fiberfn/fiberfn/public"
)

// smokeServer serves a page that loads the vendored htmx of the given
// version from public.FS, with a button that hx-gets /frag into #out. It
// counts the requests for /frag.
func smokeServer(t *testing.T, version string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var fragHits atomic.Int32
	mux := http.NewServeMux()
	mux.Handle("/public/", http.StripPrefix("/public/", http.FileServer(http.FS(public.FS))))
	mux.HandleFunc("GET /frag", func(w http.ResponseWriter, r *http.Request) {
		fragHits.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<p id="frag">fragment (HX-Request: %s)</p>`, r.Header.Get("HX-Request"))
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>smoke</title>
<link rel="stylesheet" href="/public/css/app.css">
<script src="%s"></script>
<script>document.title = "smoke (js)"</script>
</head>
<body><main>
<h1>harness smoke</h1>
<button id="go" hx-get="/frag" hx-target="#out">Load</button>
<div id="out">empty</div>
</main></body>
</html>`, public.HTMXScript(version))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &fragHits
}

// TestBrowserHarnessSmoke proves that the vendored htmx builds load from
// public.FS in a real browser, that a click swaps a fragment in with
// JavaScript on, and that the same click does nothing with JavaScript off.
func TestBrowserHarnessSmoke(t *testing.T) {
	for _, version := range []string{public.HTMXDefault, public.HTMXLegacy} {
		t.Run("htmx-"+version+"/js", func(t *testing.T) {
			srv, hits := smokeServer(t, version)
			ctx := newBrowser(t, withViewport(390, 844)) // phone-sized
			if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
				t.Fatal(err)
			}
			if title, _ := chromedp.Run(ctx, chromedp.Title()); title != "smoke (js)" {
				t.Errorf("title = %q, want the one that the inline script sets", title)
			}
			got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`htmx.version`))
			if err != nil {
				t.Fatalf("htmx did not load: %v", err)
			}
			if got != version {
				t.Fatalf("htmx.version = %q, want %q", got, version)
			}
			if err := chromedp.Do(ctx,
				chromedp.Click(chromedp.ID("go")),
				chromedp.WaitVisible(chromedp.CSS("#out #frag")),
			); err != nil {
				t.Fatal(err)
			}
			text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#frag")))
			if err != nil {
				t.Fatal(err)
			}
			if want := "fragment (HX-Request: true)"; text != want {
				t.Errorf("#frag = %q, want %q", text, want)
			}
			if n := hits.Load(); n != 1 {
				t.Errorf("/frag requested %d times, want 1", n)
			}
			screenshot(ctx, t, "smoke-htmx-"+version+"-js")
		})

		t.Run("htmx-"+version+"/nojs", func(t *testing.T) {
			srv, hits := smokeServer(t, version)
			ctx := newBrowser(t, withoutJS())
			if err := chromedp.Do(ctx,
				chromedp.Navigate(srv.URL),
				chromedp.Click(chromedp.ID("go")),
			); err != nil {
				t.Fatal(err)
			}
			// The inline script did not run, so JavaScript is off.
			if title, _ := chromedp.Run(ctx, chromedp.Title()); title != "smoke" {
				t.Fatalf("title = %q, want %q: JavaScript ran", title, "smoke")
			}
			// A negative check needs a pause: long enough that the JS run
			// above, on the same machine, has long finished its swap.
			time.Sleep(500 * time.Millisecond)
			text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#out")))
			if err != nil {
				t.Fatal(err)
			}
			if text != "empty" {
				t.Errorf("#out = %q with JavaScript off, want it unchanged", text)
			}
			if n := hits.Load(); n != 0 {
				t.Errorf("/frag requested %d times with JavaScript off, want 0", n)
			}
		})
	}
}
