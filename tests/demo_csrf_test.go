package tests

// The cross-origin matrix of the demo, against Go's own
// net/http.CrossOriginProtection as the oracle: every combination of
// Sec-Fetch-Site and Origin, with each content type that a cross-site
// HTML form can send without a CORS preflight (SvelteKit's CSRF check
// covers the same three).

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fiberfn/fiberfn/demo/app"
)

func TestDemoCrossOriginMatrix(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	c := newPlainClient(t, d.URL)
	c.signup("csrf", "csrf-password")
	host := strings.TrimPrefix(d.URL, "http://")
	oracle := http.NewCrossOriginProtection()

	sites := []string{"", "same-origin", "none", "same-site", "cross-site"}
	origins := []string{"", d.URL, "http://evil.example", "null"}
	bodies := []struct {
		name string
		make func(title string) (string, string) // content type, body
	}{
		{"urlencoded", func(title string) (string, string) {
			return "application/x-www-form-urlencoded", url.Values{"title": {title}}.Encode()
		}},
		{"multipart", func(title string) (string, string) {
			var b bytes.Buffer
			w := multipart.NewWriter(&b)
			_ = w.WriteField("title", title)
			_ = w.Close()
			return w.FormDataContentType(), b.String()
		}},
		{"text/plain", func(title string) (string, string) { return "text/plain", "title=" + title }},
	}
	u, _ := url.Parse(d.URL)
	var session string
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == app.SessionCookie {
			session = ck.Value
		}
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(hc.CloseIdleConnections)

	n, refused := 0, 0
	refusedTitles := map[string]bool{}
	for _, site := range sites {
		for _, origin := range origins {
			for _, body := range bodies {
				n++
				name := fmt.Sprintf("Sec-Fetch-Site=%q Origin=%q %s", site, origin, body.name)
				title := fmt.Sprintf("matrix %d", n)
				ct, payload := body.make(title)
				req, _ := http.NewRequest(http.MethodPost, d.URL+"/api/add_task", strings.NewReader(payload))
				req.Host = host
				req.Header.Set("Content-Type", ct)
				req.Header.Set("HX-Request", "true")
				req.AddCookie(&http.Cookie{Name: app.SessionCookie, Value: session})
				if site != "" {
					req.Header.Set("Sec-Fetch-Site", site)
				}
				if origin != "" {
					req.Header.Set("Origin", origin)
				}
				wantRefused := oracle.Check(req) != nil
				resp, err := hc.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				gotRefused := resp.StatusCode == http.StatusForbidden
				if gotRefused != wantRefused {
					t.Errorf("%s: status %d; Go's CrossOriginProtection refuses: %v", name, resp.StatusCode, wantRefused)
				}
				if gotRefused {
					refused++
					refusedTitles[title] = true
				} else if resp.StatusCode >= 500 {
					t.Errorf("%s: status %d", name, resp.StatusCode)
				}
			}
		}
	}
	t.Logf("%d requests (%d Sec-Fetch-Site x Origin combinations x %d content types): %d refused, as Go's CrossOriginProtection decides", n, len(sites)*len(origins), len(bodies), refused)
	// Nothing refused was stored.
	for _, task := range d.tasks("csrf") {
		if refusedTitles[task.Title] {
			t.Errorf("the refused %q was stored", task.Title)
		}
	}
}
