package tests

// The hostile-input sweep: every demo server function gets malformed
// forms, huge fields, invalid UTF-8, wrong types, wrong methods and
// cross-origin posts, as an htmx caller and as a JSON caller. Each answer
// must be a 4xx with a clear message, nothing may be logged as an error
// (a 500), and the data in the database must be byte-for-byte the same.

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/fiberfn/fiberfn/demo/app"
)

// tableChecksum returns a SHA-256 over every row of the tables, in the
// order of their first column (their key, on SQLite and PostgreSQL alike),
// with each value's type and bytes.
func tableChecksum(t testing.TB, db *sql.DB, tables ...string) string {
	t.Helper()
	h := sha256.New()
	for _, table := range tables {
		fmt.Fprintf(h, "table %s\n", table)
		rows, err := db.Query("SELECT * FROM " + table + " ORDER BY 1")
		if err != nil {
			t.Fatalf("checksum %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				fmt.Fprintf(h, "%T:%v|", v, v)
			}
			h.Write([]byte{'\n'})
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return hex.EncodeToString(h.Sum(nil))
}

// protectedTables are the tables whose contents a refused request must
// leave alone. The attempt counters ("attempts") are left out on purpose:
// counting attempts on the account forms and task writes is their job.
var protectedTables = []string{"users", "tasks", "sessions", "secrets"}

// goNames finds Go identifiers that an error text must not show.
var goNames = regexp.MustCompile(`\b(app|main|fiberfn|strconv|json|reflect)\.[A-Z]\w*|\bstruct \{|\bint64\b|\bfloat64\b`)

func TestDemoHostileInputSweep(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{Throttle: app.Throttle{AccountFailures: 1 << 20, AddressAttempts: 1 << 20, UserWrites: 1 << 20}})
	alice := newPlainClient(t, d.URL)
	alice.signup("alice", "alice-password")
	alice.post("/api/add_task", url.Values{"title": {"first"}})
	alice.post("/api/add_task", url.Values{"title": {"second"}})
	id := fmt.Sprint(d.tasks("alice")[0].ID)
	alice.post("/api/toggle_task", url.Values{"id": {id}, "done": {"true"}})
	newPlainClient(t, d.URL).signup("bob", "bob-password")
	before := tableChecksum(t, d.App.DB(), protectedTables...)

	const (
		form = "application/x-www-form-urlencoded"
		js   = "application/json"
	)
	bad := "\xff\xfe\xc3\x28" // invalid UTF-8
	huge := strings.Repeat("h", 900<<10)
	over := strings.Repeat("o", 3<<19) // 1.5 MiB: over fiberfn's 1 MiB

	// fields are each function's fields with values that pass (except
	// for a wrong current password, which is refused).
	type fn struct {
		name   string
		fields map[string]string
		// text and typed are the fields that take free text and those
		// that must parse as a number or boolean.
		text, typed []string
	}
	fns := []fn{
		{"signup", map[string]string{"username": "mallory", "password": "mallory-password", "confirm_password": "mallory-password"}, []string{"username"}, nil},
		{"login", map[string]string{"username": "alice", "password": "not-alices-password", "remember": "on"}, []string{"username", "password"}, []string{"remember"}},
		{"logout", map[string]string{}, nil, nil},
		{"change_password", map[string]string{"current_password": "wrong-password", "new_password": "new-password-1", "confirm_password": "new-password-1"}, []string{"current_password", "new_password"}, nil},
		{"add_task", map[string]string{"title": "ok"}, []string{"title"}, nil},
		{"rename_task", map[string]string{"id": id, "title": "ok"}, []string{"title"}, []string{"id"}},
		{"toggle_task", map[string]string{"id": id, "done": "false"}, nil, []string{"id", "done"}},
		{"delete_task", map[string]string{"id": id}, nil, []string{"id"}},
		{"clear_completed", map[string]string{"filter": "all"}, nil, nil},
		// Its file is multipart only; every request below lacks one.
		{"import_tasks", map[string]string{}, nil, nil},
	}

	type request struct {
		name, method, ct, body string
		header                 []string
		// query is appended to the function's path (issue 17.1: a copy of
		// a field in the query string must not reach a guard or the
		// function as another value than the body's).
		query string
	}
	encode := func(m map[string]string, set ...string) string {
		v := url.Values{}
		for k, x := range m {
			v.Set(k, x)
		}
		for i := 0; i+1 < len(set); i += 2 {
			v.Set(set[i], set[i+1])
		}
		return v.Encode()
	}
	jsonOf := func(m map[string]string, set ...string) string {
		o := map[string]any{}
		for k, x := range m {
			o[k] = x
		}
		for i := 0; i+1 < len(set); i += 2 {
			o[set[i]] = set[i+1]
		}
		b, _ := json.Marshal(o)
		return string(b)
	}
	// cases returns the hostile requests for f. Only requests that no
	// correct client sends and that the function must refuse.
	cases := func(f fn) []request {
		body := encode(f.fields)
		rs := []request{
			{"GET", "GET", "", "", nil, ""},
			{"PUT", "PUT", form, body, nil, ""},
			{"DELETE", "DELETE", form, body, nil, ""},
			{"cross-site", "POST", form, body, []string{"Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site"}, ""},
			{"same-site sibling", "POST", form, body, []string{"Origin", "http://sub.127.0.0.1.example", "Sec-Fetch-Site", "same-site"}, ""},
			{"foreign Origin only", "POST", form, body, []string{"Origin", "http://evil.example", "Sec-Fetch-Site", ""}, ""},
			{"Origin null", "POST", form, body, []string{"Origin", "null", "Sec-Fetch-Site", ""}, ""},
			{"text/plain", "POST", "text/plain", body, nil, ""},
			{"XML", "POST", "application/xml", "<title>x</title>", nil, ""},
		}
		if len(f.fields) > 0 { // a body-less POST to logout is a real logout
			rs = append(rs, request{"no content type", "POST", "", body, nil, ""})
		}
		rs = append(rs, []request{
			{"body over the limit", "POST", form, encode(f.fields, "pad", over), nil, ""},
			{"malformed JSON", "POST", js, `{"title": "x", `, nil, ""},
			{"JSON array", "POST", js, `[1, 2, 3]`, nil, ""},
			{"JSON string", "POST", js, `"just a string"`, nil, ""},
			{"multipart without boundary", "POST", "multipart/form-data", body, nil, ""},
			{"multipart, broken body", "POST", "multipart/form-data; boundary=XYZ", "--XYZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nunterminated", nil, ""},
		}...)
		for _, field := range f.text {
			rs = append(rs,
				request{"invalid UTF-8 in " + field, "POST", form, encode(f.fields, field, bad+"abcdefgh"), nil, ""},
				request{"900 KiB " + field, "POST", form, encode(f.fields, field, huge), nil, ""},
				request{"NUL in " + field, "POST", form, encode(f.fields, field, "ab\x00cdefgh"), nil, ""},
				// Raw bytes: json.Marshal would have made them U+FFFD.
				request{"JSON: invalid UTF-8 in " + field, "POST", js, strings.Replace(jsonOf(f.fields, field, "BAD-BYTES"), "BAD-BYTES", bad, 1), nil, ""},
				request{"JSON: number for " + field, "POST", js, strings.Replace(jsonOf(f.fields), `"`+field+`":`, `"`+field+`":12345,"x`+field+`":`, 1), nil, ""},
			)
		}
		// Every field sent twice, and a copy of every field in the query
		// string beside the body (form and JSON): a 400, never a run with
		// either value (issue 17.1's lockout bypass read the query copy).
		for _, field := range sortedKeys(f.fields) {
			twice := encode(f.fields) + "&" + url.Values{field: {"decoy"}}.Encode()
			copyInQuery := url.Values{field: {"decoy"}}.Encode()
			rs = append(rs,
				request{name: "duplicated " + field, method: "POST", ct: form, body: twice},
				request{name: "query copy of " + field, method: "POST", ct: form, body: body, query: copyInQuery},
				request{name: "JSON with a query copy of " + field, method: "POST", ct: js, body: jsonOf(f.fields), query: copyInQuery},
				// encoding/json keeps the last of a repeated key; a
				// proxy or a guard reading the body may keep the first.
				request{name: "JSON key twice: " + field, method: "POST", ct: js, body: strings.Replace(jsonOf(f.fields), "{", `{"`+field+`":"decoy",`, 1)},
				request{name: "JSON key twice in another case: " + field, method: "POST", ct: js, body: strings.Replace(jsonOf(f.fields), "{", `{"`+strings.ToUpper(field)+`":"decoy",`, 1)},
			)
		}
		for _, field := range f.typed {
			rs = append(rs,
				request{"word for " + field, "POST", form, encode(f.fields, field, "abc"), nil, ""},
				request{"invalid UTF-8 for " + field, "POST", form, encode(f.fields, field, bad), nil, ""},
				request{"huge number for " + field, "POST", form, encode(f.fields, field, strings.Repeat("9", 400)), nil, ""},
				request{"JSON: string for " + field, "POST", js, jsonOf(f.fields, field, "abc"), nil, ""},
			)
		}
		return rs
	}

	hc := &http.Client{Jar: alice.hc.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(hc.CloseIdleConnections)
	total := 0
	var goTyped []string
	for _, f := range fns {
		for _, rq := range cases(f) {
			for _, caller := range []string{"htmx", "json"} {
				name := fmt.Sprintf("%s/%s/%s", f.name, rq.name, caller)
				req, err := http.NewRequest(rq.method, d.URL+"/api/"+f.name+queryPart(rq.query), strings.NewReader(rq.body))
				if err != nil {
					t.Fatal(err)
				}
				if rq.ct != "" {
					req.Header.Set("Content-Type", rq.ct)
				}
				req.Header.Set("Origin", d.URL)
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				req.Header.Set("Referer", d.URL+"/")
				if caller == "htmx" {
					req.Header.Set("HX-Request", "true")
				} else {
					req.Header.Set("Accept", js)
				}
				for i := 0; i+1 < len(rq.header); i += 2 {
					if rq.header[i+1] == "" {
						req.Header.Del(rq.header[i])
					} else {
						req.Header.Set(rq.header[i], rq.header[i+1])
					}
				}
				resp, err := hc.Do(req)
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				total++
				msg := strings.TrimSpace(string(b))
				if caller == "json" && strings.HasPrefix(resp.Header.Get("Content-Type"), js) {
					var e struct {
						Error string `json:"error"`
					}
					if err := json.Unmarshal(b, &e); err == nil {
						msg = e.Error
					}
				}
				sentTwice := strings.HasPrefix(rq.name, "duplicated ") || strings.Contains(rq.name, "query copy of ") || strings.HasPrefix(rq.name, "JSON key twice")
				switch {
				case sentTwice && resp.StatusCode != http.StatusBadRequest:
					t.Errorf("%s: status %d, want 400 for a field sent twice; body:\n%.300s", name, resp.StatusCode, b)
				case resp.StatusCode < 400 || resp.StatusCode > 499:
					t.Errorf("%s: status %d, want a 4xx; body:\n%.300s", name, resp.StatusCode, b)
				case msg == "":
					t.Errorf("%s: %d without a message", name, resp.StatusCode)
				case goNames.MatchString(msg):
					goTyped = append(goTyped, fmt.Sprintf("%s: %d %s", name, resp.StatusCode, goNames.FindString(msg)))
				}
			}
		}
	}
	t.Logf("%d hostile requests over %d server functions", total, len(fns))
	// Error texts come from fiberfn; issue 9 has it stop naming Go types
	// (such as "Go value of type app.LoginInput") in them.
	t.Run("messages name no Go types", func(t *testing.T) {
		for _, g := range goTyped {
			t.Errorf("%s", g)
		}
	})
	if after := tableChecksum(t, d.App.DB(), protectedTables...); after != before {
		t.Errorf("the database changed: checksum %s before, %s after", before, after)
	}
	// And the owner still works normally.
	alice.get("/")
	if r := alice.post("/api/add_task", url.Values{"title": {"after the sweep"}}); r.Status != http.StatusOK {
		t.Errorf("alice after the sweep: %d", r.Status)
	}
}

// TestDemoHostileRawTCPSweep sends every server function, over raw TCP
// with a logged-in session, the requests that Go's client cannot send:
// ambiguous framing (fiberfn/strict refuses it) and requests that fasthttp
// cannot read (answered below the app). Each answer is a 4xx (501 for an
// unknown transfer coding) that closes the connection and carries the
// same security headers as every other answer; nothing is logged as an
// error and the protected tables are unchanged (issue 17 items 8 and 9).
func TestDemoHostileRawTCPSweep(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{Throttle: app.Throttle{AccountFailures: 1 << 20, AddressAttempts: 1 << 20}})
	ref := referenceHeaders(t, d)
	alice := newPlainClient(t, d.URL)
	alice.signup("alice", "alice-password")
	alice.get("/")
	alice.post("/api/add_task", url.Values{"title": {"first"}})
	cookie := alice.cookie(app.SessionCookie)
	id := fmt.Sprint(d.tasks("alice")[0].ID)
	before := tableChecksum(t, d.App.DB(), protectedTables...)

	bodies := map[string]string{
		"signup":          "username=mallory&password=mallory-password&confirm_password=mallory-password",
		"login":           "username=alice&password=alice-password",
		"logout":          "",
		"change_password": "current_password=alice-password&new_password=new-password-1&confirm_password=new-password-1",
		"add_task":        "title=raw",
		"rename_task":     "id=" + id + "&title=raw",
		"toggle_task":     "id=" + id + "&done=true",
		"delete_task":     "id=" + id,
		"clear_completed": "filter=all",
	}
	malformed := []struct{ name, headers, body string }{
		{"bad chunk size", "Transfer-Encoding: chunked\r\n", "zz\r\n\r\n"},
		{"chunk size and data disagree", "Transfer-Encoding: chunked\r\n", "5\r\nab\r\n0\r\n\r\n"},
		{"Content-Length not a number", "Content-Length: 1e3\r\n", ""},
		{"Content-Length negative", "Content-Length: -1\r\n", ""},
		{"Content-Length over the body limit", "Content-Length: " + fmt.Sprint(app.BodyLimit+1) + "\r\n", ""},
		{"space in a header name", "X Note: a\r\nContent-Length: 0\r\n", ""},
		{"headers over the read buffer", "X-Big: " + strings.Repeat("b", 5000) + "\r\nContent-Length: 0\r\n", ""},
	}
	total := 0
	expect := func(name string, answers []rawAnswer, closed bool, statuses ...int) {
		t.Helper()
		total++
		if len(answers) != 1 || !closed {
			t.Errorf("%s: %d answers, connection closed %v; want one answer and a closed connection", name, len(answers), closed)
			return
		}
		a := answers[0]
		ok := false
		for _, s := range statuses {
			ok = ok || a.Status == s
		}
		if !ok || strings.TrimSpace(a.Body) == "" {
			t.Errorf("%s: %d %q, want one of %v with a message", name, a.Status, a.Body, statuses)
		}
		checkSecurityHeaders(t, name, a.Header, ref)
	}
	for fn, body := range bodies {
		path := "/api/" + fn
		for _, tc := range ambiguousFraming {
			answers, closed := rawExchange(t, d.URL, framedPost(d, path, cookie, tc.headers, body))
			expect(fn+"/"+tc.name, answers, closed, tc.status)
		}
		for _, tc := range malformed {
			raw := strings.Replace(framedPost(d, path, cookie, "", ""), "\r\n\r\n", "\r\n"+tc.headers+"\r\n", 1) + tc.body
			answers, closed := rawExchange(t, d.URL, raw)
			expect(fn+"/"+tc.name, answers, closed, 400, 413, 431)
		}
		answers, closed := rawExchange(t, d.URL, strings.Replace(framedPost(d, path, cookie, "Content-Length: {n}\r\nConnection: close\r\n", body), "POST ", "BREW ", 1))
		expect(fn+"/unknown method", answers, closed, 400)
	}
	t.Logf("%d raw requests over %d server functions", total, len(bodies))
	if after := tableChecksum(t, d.App.DB(), protectedTables...); after != before {
		t.Errorf("the database changed: checksum %s before, %s after", before, after)
	}
	if r := alice.post("/api/add_task", url.Values{"title": {"after the raw sweep"}}); r.Status != http.StatusOK {
		t.Errorf("alice after the sweep: %d", r.Status)
	}
}

// sortedKeys returns m's keys in order, so a sweep's requests are the same
// on every run.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// queryPart is "?"+q, or "" for an empty q.
func queryPart(q string) string {
	if q == "" {
		return ""
	}
	return "?" + q
}
