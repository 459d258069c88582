package app

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"
)

// HTML is the task's row in view mode, the markup that partials/task_item
// shows (see the comment there for its design).
//
// It is built here rather than in the template because a page repeats it
// for every task: html/template runs one or two escaping functions, each a
// reflective call, for every action of every row, and that was about 80%
// of the CPU of GET / with 100 tasks (go test -bench Page ./bench/demobench/).
// Here the only values that can hold markup, the title and the filter,
// are escaped by hand; the rest are numbers and booleans.
func (r TaskRow) HTML() template.HTML {
	id := strconv.FormatInt(r.ID, 10)
	var b strings.Builder
	b.Grow(360 + len(r.Title))
	b.WriteString(`<li id=task-`)
	b.WriteString(id)
	if r.Done {
		b.WriteString(` class=done`)
	}
	b.WriteString(`><form method=post action=/api/toggle_task><input type=hidden name=id value=`)
	b.WriteString(id)
	b.WriteString(`><button name=done value=`)
	b.WriteString(strconv.FormatBool(!r.Done))
	b.WriteString(` aria-pressed=`)
	b.WriteString(strconv.FormatBool(r.Done))
	b.WriteString(` hx-post=/api/toggle_task>Done</button><span>`)
	b.WriteString(htmlText.Replace(r.Title))
	b.WriteString(`</span><a href="/?`)
	if r.F != "" {
		b.WriteString(`filter=`)
		b.WriteString(htmlText.Replace(strings.ReplaceAll(url.QueryEscape(r.F), "+", "%20")))
		b.WriteString(`&amp;`)
	}
	b.WriteString(`edit=`)
	b.WriteString(id)
	b.WriteString(`" hx-get=/tasks/`)
	b.WriteString(id)
	b.WriteString(`/edit>Rename</a><button formaction=/api/delete_task hx-post=/api/delete_task>Delete</button></form></li>`)
	return template.HTML(b.String())
}

// RowsHTML is every row of the list in view mode, one after the other,
// or "" when a row is in edit mode (the template then renders the rows one
// by one, the edit row from partials/task_edit).
func (l *TaskList) RowsHTML() template.HTML {
	n := 0
	for i := range l.Tasks {
		if l.Tasks[i].Edit != nil {
			return ""
		}
		n += 380 + len(l.Tasks[i].Title)
	}
	var b strings.Builder
	b.Grow(n)
	for i := range l.Tasks {
		b.WriteString(string(l.Tasks[i].HTML()))
		b.WriteByte('\n')
	}
	return template.HTML(b.String())
}

// htmlText escapes text as html/template does in element content.
var htmlText = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")
