// Package enginecheck reproduces how github.com/gofiber/template/html/v2
// (v2.1.3) behaves when a page with a layout and a fragment without one
// (what fiberfn.Render does for htmx callers) render at the same time.
//
// Engine.Render installs the layout's "embed" function into the template
// set's shared function map on every render: a closure over the page for a
// layout render (under the engine's write lock, held for the whole
// render), and nil for a render without a layout (under no lock). A
// fragment render that lands while a page is rendering replaces the
// page's "embed" with nil, and the page fails with "error calling embed:
// call of nil function". See BENCHMARKS.md.
package enginecheck

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/gofiber/template/html/v2"
)

// TestLayoutRenderBesideFragmentRender counts the page renders that fail
// or lose their body while fragments render beside them. It reports and
// does not fail: the count depends on scheduling, and the point is to
// show whether the engine in go.mod still has the problem.
func TestLayoutRenderBesideFragmentRender(t *testing.T) {
	if testing.Short() {
		t.Skip("reproduction of an html/v2 engine problem; skipped with -short")
	}
	fsys := fstest.MapFS{
		"layouts/main.html": {Data: []byte(`<html>{{ .Title }}{{ embed }}</html>`)},
		"page.html":         {Data: []byte(`<main>{{ .Title }}</main>`)},
		"frag.html":         {Data: []byte(`<li>{{ .Title }}</li>`)},
	}
	e := html.NewFileSystem(http.FS(fsys), ".html")
	if err := e.Load(); err != nil {
		t.Fatal(err)
	}
	const workers, renders = 4, 20000
	var failed, bodyless atomic.Int64
	var first sync.Once
	var wg sync.WaitGroup
	data := map[string]string{"Title": "x"}
	for range workers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for range renders {
				var b bytes.Buffer
				if err := e.Render(&b, "page", data, "layouts/main"); err != nil {
					failed.Add(1)
					first.Do(func() { t.Log("first failed page render:", err) })
				} else if !strings.Contains(b.String(), "<main>") {
					bodyless.Add(1)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range renders {
				var b bytes.Buffer
				if err := e.Render(&b, "frag", data); err != nil {
					t.Error("fragment:", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("page renders with a layout, beside fragment renders: %d failed, %d without the page body, of %d",
		failed.Load(), bodyless.Load(), workers*renders)
}
