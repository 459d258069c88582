package app

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"
)

// RowPaths are the URL paths a task's row posts to, from the functions'
// Fn.Path, each ready to write as an attribute value (unquoted when it
// needs no quotes, as the demo's paths do; else quoted and escaped).
type RowPaths struct {
	Toggle, Delete string
}

// rowPaths are the row's paths, computed once: the functions are
// registered (and their paths fixed) when the package is initialized.
var rowPaths = RowPaths{Toggle: attrValue(ToggleTask.Path()), Delete: attrValue(DeleteTask.Path())}

// attrValue returns v as an HTML attribute value: as it is when it holds
// only characters that need no quotes, else quoted and escaped.
func attrValue(v string) string {
	for i := 0; i < len(v); i++ {
		ch := v[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte("/_.:-", ch) >= 0) {
			return `"` + template.HTMLEscapeString(v) + `"`
		}
	}
	if v == "" {
		return `""`
	}
	return v
}

// HTML is the task's row in view mode, the markup that partials/task_item
// shows (see the comment there for its design). It is the row's only
// source: FuzzRowHTML reads what it writes with a real HTML tokenizer.
//
// It is written here rather than in a template because a page repeats it
// for every task, and html/template runs an escaping function (a
// reflective call) for every action of every row. Measured with
// go test -run '^$' -bench 'BenchmarkPage$' -benchtime 3000x
// ./bench/demobench/ (GET / with a page of 50 rows, the same 22,014
// bytes either way): 0.37 ms of CPU per page with this writer, 1.42 ms
// with the row as a template, about 21 µs a row. Paging bounds that cost
// to 50 rows, but it would still be three quarters of the page's CPU.
// Only the title and the filter can hold markup: the title is escaped as
// html/template escapes text, the filter is query-escaped (which leaves
// nothing to escape in an attribute value); the rest are numbers,
// booleans and the paths of RowPaths.
func (r TaskRow) HTML() template.HTML {
	id := strconv.FormatInt(r.ID, 10)
	var b strings.Builder
	b.Grow(360 + len(r.Title))
	b.WriteString(`<li id=task-`)
	b.WriteString(id)
	if r.Done {
		b.WriteString(` class=done`)
	}
	b.WriteString(`><form method=post action=`)
	b.WriteString(rowPaths.Toggle)
	b.WriteString(`><input type=hidden name=id value=`)
	b.WriteString(id)
	b.WriteString(`><button name=done value=`)
	b.WriteString(strconv.FormatBool(!r.Done))
	b.WriteString(` aria-pressed=`)
	b.WriteString(strconv.FormatBool(r.Done))
	b.WriteString(` hx-post=`)
	b.WriteString(rowPaths.Toggle)
	b.WriteString(`>Done</button><span>`)
	b.WriteString(htmlText.Replace(r.Title))
	b.WriteString(`</span><a href="/?`)
	if r.F != "" {
		b.WriteString(`filter=`)
		b.WriteString(url.QueryEscape(r.F))
		b.WriteString(`&amp;`)
	}
	b.WriteString(`edit=`)
	b.WriteString(id)
	b.WriteString(`" hx-get=/tasks/`)
	b.WriteString(id)
	b.WriteString(`/edit>Rename</a><button formaction=`)
	b.WriteString(rowPaths.Delete)
	b.WriteString(` hx-post=`)
	b.WriteString(rowPaths.Delete)
	b.WriteString(`>Delete</button></form></li>`)
	return template.HTML(b.String())
}

// RowsHTML is every row of the list in view mode, one after the other
// (TaskRow.HTML),
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
