package app

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// rowToken is one token of a row as the tokenizer reads it: a start tag
// with its attributes, an end tag, or text.
type rowToken struct {
	kind  html.TokenType
	data  string            // the tag's name, or the text
	attrs map[string]string // of a start tag
}

// readRow tokenizes markup with golang.org/x/net/html, as a browser's
// tokenizer reads it (entities decoded, attribute values unquoted).
func readRow(t *testing.T, markup string) []rowToken {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(markup))
	var out []rowToken
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out
		}
		tok := z.Token()
		rt := rowToken{kind: tt, data: tok.Data}
		if tt == html.StartTagToken || tt == html.SelfClosingTagToken {
			rt.attrs = map[string]string{}
			for _, a := range tok.Attr {
				if _, dup := rt.attrs[a.Key]; dup {
					t.Fatalf("attribute %s twice in <%s>: %s", a.Key, tok.Data, markup)
				}
				rt.attrs[a.Key] = a.Val
			}
		}
		out = append(out, rt)
	}
}

// textAsRead is s as an HTML tokenizer reads it back from text: NUL is
// written as U+FFFD, and CR LF and CR read as LF.
func textAsRead(s string) string {
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// checkRow checks that r.HTML() is, token by token, the row of r: its
// title one text token that reads back as the title, its filter intact
// in the rename link's query, every other attribute the value expected,
// and nothing else (no tag or attribute injected).
func checkRow(t *testing.T, r TaskRow) {
	t.Helper()
	markup := string(r.HTML())
	id := strconv.FormatInt(r.ID, 10)
	start := func(name string, attrs ...string) rowToken {
		m := map[string]string{}
		for i := 0; i+1 < len(attrs); i += 2 {
			m[attrs[i]] = attrs[i+1]
		}
		return rowToken{kind: html.StartTagToken, data: name, attrs: m}
	}
	end := func(name string) rowToken { return rowToken{kind: html.EndTagToken, data: name} }
	text := func(s string) rowToken { return rowToken{kind: html.TextToken, data: s} }
	li := start("li", "id", "task-"+id)
	if r.Done {
		li.attrs["class"] = "done"
	}
	toggle, del := ToggleTask.Path(), DeleteTask.Path()
	want := []rowToken{
		li,
		start("form", "method", "post", "action", toggle),
		start("input", "type", "hidden", "name", "id", "value", id),
		start("button", "name", "done", "value", strconv.FormatBool(!r.Done), "aria-pressed", strconv.FormatBool(r.Done), "hx-post", toggle),
		text("Done"), end("button"),
		start("span"),
	}
	if r.Title != "" {
		want = append(want, text(textAsRead(r.Title)))
	}
	want = append(want, end("span"),
		start("a", "href", "(checked below)", "hx-get", "/tasks/"+id+"/edit"),
		text("Rename"), end("a"),
		start("button", "formaction", del, "hx-post", del),
		text("Delete"), end("button"), end("form"), end("li"))
	got := readRow(t, markup)
	if len(got) != len(want) {
		t.Fatalf("%d tokens, want %d:\n%s", len(got), len(want), markup)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.kind != w.kind || g.data != w.data || len(g.attrs) != len(w.attrs) {
			t.Fatalf("token %d is %v %q %v, want %v %q %v:\n%s", i, g.kind, g.data, g.attrs, w.kind, w.data, w.attrs, markup)
		}
		for k, v := range w.attrs {
			if k == "href" {
				continue
			}
			if g.attrs[k] != v {
				t.Fatalf("<%s %s=%q>, want %q:\n%s", g.data, k, g.attrs[k], v, markup)
			}
		}
		if w.data == "a" && w.kind == html.StartTagToken {
			href := g.attrs["href"]
			u, err := url.Parse(href)
			if err != nil || u.Path != "/" || u.Host != "" || u.Scheme != "" {
				t.Fatalf("the rename link %q is not a link to the list", href)
			}
			q := u.Query()
			wantKeys := 1
			if r.F != "" {
				wantKeys = 2
			}
			if q.Get("edit") != id || q.Get("filter") != r.F || len(q) != wantKeys {
				t.Fatalf("the rename link %q has the query %v, want edit=%s and filter %q", href, q, id, r.F)
			}
		}
	}
}

// rowSamples are rows whose title or filter holds what needs escaping.
var rowSamples = []TaskRow{
	{ID: 7, Title: `Milk & "eggs" <b>'x'</b>`, Done: true, F: "open"},
	{ID: 12, Title: "plain"},
	{ID: 3, Title: "a+b\x00é </span><script>alert(1)</script>", F: "done"},
	{ID: 1 << 40, Title: "{{ .ID }}", F: "x y&z"},
	{ID: 9, Title: "</li><li id=task-1 class=done>", F: "*000"},
	{ID: 10, Title: "<!-- x --><![CDATA[y]]>&amp;&#x3c;", F: "\"><script>"},
	{ID: 11, Title: "line\r\nbreak\rcr", F: "%2a"},
	{ID: 13, Title: ""},
}

func TestRowHTMLReadsBack(t *testing.T) {
	for _, r := range rowSamples {
		checkRow(t, r)
	}
}

// FuzzRowHTML: for any title, filter, id and state, the row reads back
// with a real HTML tokenizer as the row it was written for.
func FuzzRowHTML(f *testing.F) {
	for _, r := range rowSamples {
		f.Add(r.ID, r.Title, r.Done, r.F)
	}
	f.Fuzz(func(t *testing.T, id int64, title string, done bool, filter string) {
		checkRow(t, TaskRow{ID: id, Title: title, Done: done, F: filter})
	})
}

func TestAttrValue(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/api/toggle_task", "/api/toggle_task"},
		{"/x y", `"/x y"`},
		{`/a"b<c&`, `"/a&#34;b&lt;c&amp;"`},
		{"", `""`},
	} {
		if got := attrValue(tc.in); got != tc.want {
			t.Errorf("attrValue(%q) = %q, want %q", tc.in, got, tc.want)
		}
		tok := readRow(t, "<a href="+attrValue(tc.in)+">")
		if len(tok) != 1 || tok[0].attrs["href"] != tc.in {
			t.Errorf("attrValue(%q) reads back as %v", tc.in, tok)
		}
	}
}
