package app

import (
	"bytes"
	"net/http"
	"testing"
	"testing/fstest"

	"github.com/gofiber/template/html/v2"
)

// rowTemplate is the row's markup as an html/template: TaskRow.HTML must
// write exactly what html/template would, escaping included.
const rowTemplate = `<li id=task-{{ .ID }}{{ if .Done }} class=done{{ end }}><form method=post action=/api/toggle_task><input type=hidden name=id value={{ .ID }}><button name=done value={{ not .Done }} aria-pressed={{ .Done }} hx-post=/api/toggle_task>Done</button><span>{{ .Title }}</span><a href="/?{{ if .F }}filter={{ .F }}&amp;{{ end }}edit={{ .ID }}" hx-get=/tasks/{{ .ID }}/edit>Rename</a><button formaction=/api/delete_task hx-post=/api/delete_task>Delete</button></form></li>`

func TestRowHTMLMatchesTheTemplate(t *testing.T) {
	e := html.NewFileSystem(http.FS(fstest.MapFS{"row.html": {Data: []byte(rowTemplate)}}), ".html")
	if err := e.Load(); err != nil {
		t.Fatal(err)
	}
	rows := []TaskRow{
		{ID: 7, Title: `Milk & "eggs" <b>'x'</b>`, Done: true, F: "open"},
		{ID: 12, Title: "plain"},
		{ID: 3, Title: "a+b\x00é </span><script>alert(1)</script>", F: "done"},
		{ID: 1 << 40, Title: "{{ .ID }}", F: "x y&z"},
	}
	for _, r := range rows {
		var b bytes.Buffer
		if err := e.Render(&b, "row", r); err != nil {
			t.Fatal(err)
		}
		if got := string(r.HTML()); got != b.String() {
			t.Errorf("\ntemplate %s\nHTML()   %s", b.String(), got)
		}
	}
}
