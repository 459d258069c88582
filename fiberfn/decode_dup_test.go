package fiberfn

import (
	"mime/multipart"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// dupIn has scalars, a slice and a file.
type dupIn struct {
	Username string                `form:"username" json:"username"`
	N        int                   `form:"n" json:"n"`
	Tags     []string              `form:"tag" json:"tags"`
	Avatar   *multipart.FileHeader `form:"avatar"`
}

// multipartBody writes fields (name, value pairs; a value starting with
// "file:" is a file of that name) as a multipart body.
func multipartBody(fields ...string) (string, string) {
	var sb strings.Builder
	w := multipart.NewWriter(&sb)
	for i := 0; i+1 < len(fields); i += 2 {
		if name, ok := strings.CutPrefix(fields[i+1], "file:"); ok {
			fw, _ := w.CreateFormFile(fields[i], name)
			_, _ = fw.Write([]byte("data"))
			continue
		}
		_ = w.WriteField(fields[i], fields[i+1])
	}
	_ = w.Close()
	return sb.String(), w.FormDataContentType()
}

// TestDuplicatedFields checks that a field that takes one value and is
// sent twice, in a body, a query or both, is a 400 naming it for every
// caller, that slices keep taking repeats, and that whenever the function
// runs, a middleware reading c.FormValue saw the value the function got.
func TestDuplicatedFields(t *testing.T) {
	var ran int
	var seenByGuard, seenByFn string
	readsLikeALimiter := func(c *fiber.Ctx) error {
		seenByGuard = c.FormValue("username")
		return nil
	}
	app := setupApp(t, appSetup{register: func(r *Registry) {
		RegisterOn(r, "login", func(c *fiber.Ctx, in dupIn) (dupIn, error) {
			ran++
			seenByFn = in.Username
			in.Avatar = nil
			return in, nil
		}, Guard(readsLikeALimiter), Method("POST", "GET", "DELETE"))
	}})
	mp2, mpType2 := multipartBody("username", "alice", "username", "decoy")
	mp1, mpType1 := multipartBody("username", "alice")
	mpTags, mpTypeTags := multipartBody("tag", "a", "tag", "b", "username", "alice")
	mpFiles, mpTypeFiles := multipartBody("avatar", "file:a.png", "avatar", "file:b.png")
	tests := []struct {
		name   string
		req    req
		field  string // "" when it must pass
		result string // the JSON the function answers, when it passes
	}{
		{"url-encoded twice", req{path: "/api/login", body: "username=alice&username=decoy", headers: formCT}, "username", ""},
		{"url-encoded twice, same value", req{path: "/api/login", body: "username=alice&username=alice", headers: formCT}, "username", ""},
		{"query and body", req{path: "/api/login?username=decoy", body: "username=alice", headers: formCT}, "username", ""},
		{"query twice (GET)", req{method: "GET", path: "/api/login?username=alice&username=decoy"}, "username", ""},
		{"query twice (htmx 2 DELETE)", req{method: "DELETE", path: "/api/login?username=alice&username=decoy", headers: formCT}, "username", ""},
		{"escaped name", req{path: "/api/login", body: "user%6Eame=decoy&username=alice", headers: formCT}, "username", ""},
		{"multipart twice", req{path: "/api/login", body: mp2, headers: map[string]string{"Content-Type": mpType2}}, "username", ""},
		{"query and multipart", req{path: "/api/login?username=decoy", body: mp1, headers: map[string]string{"Content-Type": mpType1}}, "username", ""},
		{"query and JSON", req{path: "/api/login?username=decoy", body: `{"username":"alice"}`, headers: map[string]string{"Content-Type": "application/json"}}, "username", ""},
		{"a file twice", req{path: "/api/login", body: mpFiles, headers: map[string]string{"Content-Type": mpTypeFiles}}, "avatar", ""},
		{"a number twice", req{path: "/api/login", body: "n=1&n=2", headers: formCT}, "n", ""},
		{"once in the body", req{path: "/api/login", body: "username=alice", headers: formCT}, "", `{"username":"alice","n":0,"tags":null,"Avatar":null}`},
		{"once in the query", req{path: "/api/login?username=alice", headers: formCT}, "", `{"username":"alice","n":0,"tags":null,"Avatar":null}`},
		{"another field in the query", req{path: "/api/login?n=3", body: "username=alice", headers: formCT}, "", `{"username":"alice","n":3,"tags":null,"Avatar":null}`},
		{"a slice in the query and the body", req{path: "/api/login?tag=a", body: "tag=b&tag=c&username=alice", headers: formCT}, "", `{"username":"alice","n":0,"tags":["a","b","c"],"Avatar":null}`},
		{"a slice repeated in multipart", req{path: "/api/login", body: mpTags, headers: map[string]string{"Content-Type": mpTypeTags}}, "", `{"username":"alice","n":0,"tags":["a","b"],"Avatar":null}`},
		{"JSON key twice", req{path: "/api/login", body: `{"username":"decoy","username":"alice"}`, headers: map[string]string{"Content-Type": "application/json"}}, "username", ""},
		{"JSON key twice, differing in case", req{path: "/api/login", body: `{"username":"decoy","Username":"alice"}`, headers: map[string]string{"Content-Type": "application/json"}}, "username", ""},
		{"JSON key twice, escaped", req{path: "/api/login", body: `{"user\u006eame":"decoy", "username" : "alice"}`, headers: map[string]string{"Content-Type": "application/json"}}, "username", ""},
		{"JSON list twice", req{path: "/api/login", body: `{"tags":["a"],"n":1,"tags":["b"]}`, headers: map[string]string{"Content-Type": "application/json"}}, "tags", ""},
		{"JSON repeats only inside a value", req{path: "/api/login", body: `{"username":"alice","extra":{"username":1,"username":2},"more":[{"n":1},{"n":2}]}`, headers: map[string]string{"Content-Type": "application/json"}}, "", `{"username":"alice","n":0,"tags":null,"Avatar":null}`},
		{"JSON alone", req{path: "/api/login", body: `{"username":"alice"}`, headers: map[string]string{"Content-Type": "application/json"}}, "", `{"username":"alice","n":0,"tags":null,"Avatar":null}`},
		{"another field in the query beside JSON", req{path: "/api/login?n=2", body: `{"username":"alice"}`, headers: map[string]string{"Content-Type": "application/json"}}, "", `{"username":"alice","n":2,"tags":null,"Avatar":null}`},
	}
	for _, tt := range tests {
		for _, k := range allCallers {
			if k.jsonBody {
				continue // the body is the case's own
			}
			t.Run(tt.name+"/"+k.name, func(t *testing.T) {
				r := tt.req
				r.headers = withHeaders(r.headers, k.headers...)
				if k.referer {
					r.headers["Referer"] = testReferer
				}
				kind := k.kind
				if kind == plainCaller && strings.Contains(r.headers["Content-Type"], "json") {
					kind = jsonCaller // a JSON body makes a JSON caller
				}
				ran, seenByGuard, seenByFn = 0, "", ""
				resp, body := do(t, app, r)
				checkVary(t, resp)
				if tt.field == "" {
					// c.FormValue does not read JSON: it may see nothing,
					// never another value.
					if ran != 1 || seenByGuard != "" && seenByGuard != seenByFn {
						t.Errorf("ran %d times; the guard read %q, the function got %q", ran, seenByGuard, seenByFn)
					}
					if kind == jsonCaller && (resp.StatusCode != 200 || body != tt.result) {
						t.Errorf("got %d %s, want %s", resp.StatusCode, body, tt.result)
					}
					return
				}
				if ran != 0 || seenByGuard != "" {
					t.Errorf("a request with %s sent twice ran the function (%d) or reached the guard (%q)", tt.field, ran, seenByGuard)
				}
				switch kind {
				case jsonCaller:
					if resp.StatusCode != 400 || !strings.Contains(body, `"`+tt.field+`":"must be sent only once"`) {
						t.Errorf("got %d %s", resp.StatusCode, body)
					}
				case htmxPartial:
					if resp.StatusCode != 400 || !strings.Contains(body, `data-field="`+tt.field+`"`) {
						t.Errorf("got %d %s", resp.StatusCode, body)
					}
				default:
					f := flashOf(t, resp)
					if resp.StatusCode != 302 || f == nil || f.Fields[tt.field] != "must be sent only once" {
						t.Errorf("got %d, flash %+v", resp.StatusCode, f)
					}
				}
			})
		}
	}
}

// TestJSONFormTagFallback checks that a field without a json tag is named
// in JSON by its form tag (and still by its Go name), that a json tag
// wins, and that errors name the key as sent.
func TestJSONFormTagFallback(t *testing.T) {
	type bulkIn struct {
		SelectedContactIDs []int64 `form:"selected_contact_ids"`
		Note               string  `form:"note" json:"comment"`
		Page               int     `form:"page"`
		Strict             int     `form:"strict" json:"strict,string"`
		Skipped            string  `form:"skipped" json:"-"`
		Query              string  `query:"q" form:"q"`
	}
	var got bulkIn
	app := setupApp(t, appSetup{register: func(r *Registry) {
		RegisterOn(r, "bulk", func(c *fiber.Ctx, in bulkIn) (struct{}, error) {
			got = in
			return struct{}{}, nil
		}, Method("POST", "DELETE"))
	}})
	tests := []struct {
		name, path, body string
		status           int
		want             bulkIn
		contains         string
	}{
		{"form name", "/api/bulk", `{"selected_contact_ids":[13,14],"comment":"x","page":2,"strict":"7","skipped":"no"}`, 200,
			bulkIn{SelectedContactIDs: []int64{13, 14}, Note: "x", Page: 2, Strict: 7}, ""},
		{"Go name, any case", "/api/bulk", `{"SelectedContactIDs":[1],"PAGE":3}`, 200, bulkIn{SelectedContactIDs: []int64{1}, Page: 3}, ""},
		{"json tag wins over form", "/api/bulk", `{"note":"ignored","comment":"kept"}`, 200, bulkIn{Note: "kept"}, ""},
		{"a mistyped value names the key", "/api/bulk", `{"selected_contact_ids":["x"]}`, 400, bulkIn{}, `"selected_contact_ids":"must be a whole number in range"`},
		{"a string where a list is", "/api/bulk", `{"selected_contact_ids":"13"}`, 400, bulkIn{}, `"selected_contact_ids":"must be a list"`},
		{"malformed", "/api/bulk", `{"selected_contact_ids":[13`, 400, bulkIn{}, "Malformed JSON"},
		{"not an object", "/api/bulk", `[13]`, 400, bulkIn{}, "must be a JSON object"},
		{"the query beside JSON", "/api/bulk?q=joe", `{"page":1}`, 200, bulkIn{Page: 1, Query: "joe"}, ""},
		{"a key sent in the query and the JSON", "/api/bulk?page=2", `{"page":1}`, 400, bulkIn{}, `"page":"must be sent only once"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = bulkIn{}
			resp, body := do(t, app, req{path: tt.path, body: tt.body, headers: jsonCT})
			if resp.StatusCode != tt.status || !strings.Contains(body, tt.contains) {
				t.Fatalf("got %d %s, want %d with %s", resp.StatusCode, body, tt.status, tt.contains)
			}
			if tt.status == 200 && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("decoded %+v, want %+v", got, tt.want)
			}
		})
	}
	// The request: a bulk delete from JSON deletes what it names.
	resp, _ := do(t, app, req{method: http.MethodDelete, path: "/api/bulk", body: `{"selected_contact_ids":[13]}`, headers: jsonCT})
	if resp.StatusCode != 200 || len(got.SelectedContactIDs) != 1 || got.SelectedContactIDs[0] != 13 {
		t.Errorf("bulk delete: %d %+v", resp.StatusCode, got)
	}
}
