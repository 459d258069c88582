package fiberfn

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/gofiber/template/html/v2"
)

// Pages with a layout and fragments without one, rendered at the same
// time through LayoutSafe, never lose their body (html/v2 alone does,
// a few times in 80,000: see bench/enginecheck in the repository).
func TestLayoutSafe(t *testing.T) {
	fsys := fstest.MapFS{
		"layouts/main.html": {Data: []byte(`<html>{{ .Title }}{{ embed }}</html>`)},
		"page.html":         {Data: []byte(`<main>{{ .Title }}</main>`)},
		"frag.html":         {Data: []byte(`<li>{{ .Title }}</li>`)},
	}
	e := html.NewFileSystem(http.FS(fsys), ".html")
	if err := e.Load(); err != nil {
		t.Fatal(err)
	}
	v := LayoutSafe(e)
	n := 4000
	if testing.Short() {
		n = 400
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 4; g++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				var b bytes.Buffer
				err := v.Render(&b, "page", map[string]string{"Title": "t"}, "layouts/main")
				if err != nil || !strings.Contains(b.String(), "<main>t</main>") {
					select {
					case errs <- b.String() + " " + errString(err):
					default:
					}
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				var b bytes.Buffer
				if err := v.Render(&b, "frag", map[string]string{"Title": "t"}); err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("a page render failed beside fragment renders: %s", e)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
