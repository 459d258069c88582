package htmx_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/fiberfn/fiberfn/fiberfn/htmx"
	"github.com/gofiber/fiber/v2"
)

// run sends a request with the headers kv (alternating names and values)
// to a handler and returns the response.
func run(t testing.TB, handler fiber.Handler, kv ...string) *httptestResponse {
	t.Helper()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.All("/", handler)
	r := httptest.NewRequest("POST", "/", nil)
	for i := 0; i+1 < len(kv); i += 2 {
		r.Header.Set(kv[i], kv[i+1])
	}
	resp, err := app.Test(r, -1)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return &httptestResponse{header: resp.Header.Get, status: resp.StatusCode}
}

type httptestResponse struct {
	header func(string) string
	status int
}

// TestRequestKinds reads the header sets htmx 2 and htmx 4 send.
func TestRequestKinds(t *testing.T) {
	type kind struct {
		request, boosted, restore bool
		requestType               string
		fullPage                  bool
	}
	tests := []struct {
		name    string
		headers []string
		want    kind
	}{
		{"not htmx", nil, kind{}},
		{"HX-Request: false", []string{"HX-Request", "false"}, kind{}},
		{"htmx2 partial", []string{"HX-Request", "true", "HX-Current-URL", "http://example.com/", "HX-Target", "list"}, kind{request: true}},
		{"htmx4 partial", []string{"HX-Request", "true", "HX-Request-Type", "partial", "HX-Source", "button#x", "Accept", "text/html"}, kind{request: true, requestType: "partial"}},
		{"htmx2 boosted", []string{"HX-Request", "true", "HX-Boosted", "true"}, kind{request: true, boosted: true, fullPage: true}},
		{"htmx4 boosted", []string{"HX-Request", "true", "HX-Boosted", "true", "HX-Request-Type", "full"}, kind{request: true, boosted: true, requestType: "full", fullPage: true}},
		{"htmx4 full", []string{"HX-Request", "true", "HX-Request-Type", "full"}, kind{request: true, requestType: "full", fullPage: true}},
		{"htmx4 full, upper case", []string{"HX-Request", "true", "HX-Request-Type", "FULL"}, kind{request: true, requestType: "full", fullPage: true}},
		{"htmx2 history restore", []string{"HX-Request", "true", "HX-History-Restore-Request", "true"}, kind{request: true, restore: true, fullPage: true}},
		{"htmx4 history restore", []string{"HX-History-Restore-Request", "true", "HX-Request-Type", "full"}, kind{request: true, restore: true, requestType: "full", fullPage: true}},
		{"boosted without HX-Request", []string{"HX-Boosted", "true"}, kind{boosted: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got kind
			run(t, func(c *fiber.Ctx) error {
				got = kind{htmx.IsRequest(c), htmx.IsBoosted(c), htmx.IsHistoryRestore(c), htmx.RequestType(c), htmx.WantsFullPage(c)}
				return nil
			}, tt.headers...)
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestIDs reads the requesting and target elements' ids.
func TestIDs(t *testing.T) {
	tests := []struct {
		name           string
		headers        []string
		source, target string
	}{
		{"htmx2", []string{"HX-Request", "true", "HX-Trigger", "save", "HX-Target", "list"}, "save", "list"},
		{"htmx4", []string{"HX-Request", "true", "HX-Request-Type", "partial", "HX-Source", "button#save", "HX-Target", "ul#list"}, "save", "list"},
		{"htmx4 encoded", []string{"HX-Request", "true", "HX-Request-Type", "partial", "HX-Source", "button#t%C3%A2che", "HX-Target", "ul#t%C3%A2che%201"}, "tâche", "tâche 1"},
		{"htmx4 without ids", []string{"HX-Request", "true", "HX-Request-Type", "partial", "HX-Source", "button", "HX-Target", "div"}, "", ""},
		{"htmx4 bad escape", []string{"HX-Request", "true", "HX-Request-Type", "partial", "HX-Source", "button#a%zz"}, "a%zz", ""},
		{"htmx2 without ids", []string{"HX-Request", "true"}, "", ""},
		{"htmx4 source wins over a stray HX-Trigger", []string{"HX-Request", "true", "HX-Request-Type", "partial", "HX-Source", "form#f", "HX-Trigger", "other"}, "f", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var source, target string
			run(t, func(c *fiber.Ctx) error {
				source, target = htmx.SourceID(c), htmx.TargetID(c)
				return nil
			}, tt.headers...)
			if source != tt.source || target != tt.target {
				t.Errorf("SourceID, TargetID = %q, %q; want %q, %q", source, target, tt.source, tt.target)
			}
		})
	}
}

// TestTrigger checks that several events end up in one JSON HX-Trigger
// header, a repeated event keeps its last detail, and event names set
// before as a plain list are kept.
func TestTrigger(t *testing.T) {
	var errBad error
	resp := run(t, func(c *fiber.Ctx) error {
		c.Set(htmx.HeaderTrigger, "refresh, closeModal")
		if err := htmx.Trigger(c, "taskAdded", map[string]int{"id": 7}); err != nil {
			return err
		}
		if err := htmx.Trigger(c, "notice", "first"); err != nil {
			return err
		}
		if err := htmx.Trigger(c, "notice", "Saved."); err != nil {
			return err
		}
		if err := htmx.Trigger(c, "ping", nil); err != nil {
			return err
		}
		errBad = htmx.Trigger(c, "bad", func() {})
		return nil
	})
	if errBad == nil {
		t.Error("Trigger with a detail JSON cannot encode returned nil")
	}
	var events map[string]any
	if err := json.Unmarshal([]byte(resp.header("HX-Trigger")), &events); err != nil {
		t.Fatalf("HX-Trigger %q: %v", resp.header("HX-Trigger"), err)
	}
	want := `{"closeModal":null,"notice":"Saved.","ping":null,"refresh":null,"taskAdded":{"id":7}}`
	if got, _ := json.Marshal(events); string(got) != want {
		t.Errorf("HX-Trigger = %s, want %s", got, want)
	}
}

// TestResponseHelpers checks the headers the response helpers set.
func TestResponseHelpers(t *testing.T) {
	resp := run(t, func(c *fiber.Ctx) error {
		htmx.Retarget(c, "#errors")
		htmx.Reswap(c, "outerHTML")
		htmx.Reselect(c, "#main")
		htmx.PushURL(c, "/tasks/1")
		htmx.ReplaceURL(c, "/tasks")
		htmx.Refresh(c)
		return c.SendStatus(422)
	})
	for k, v := range map[string]string{"HX-Retarget": "#errors", "HX-Reswap": "outerHTML", "HX-Reselect": "#main",
		"HX-Push-Url": "/tasks/1", "HX-Replace-Url": "/tasks", "HX-Refresh": "true"} {
		if got := resp.header(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if resp.status != 422 {
		t.Errorf("status %d: helpers must not change it", resp.status)
	}
}

// ExampleTrigger triggers two client-side events in one response.
func ExampleTrigger() {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Post("/tasks", func(c *fiber.Ctx) error {
		_ = htmx.Trigger(c, "taskAdded", map[string]int{"id": 7})
		_ = htmx.Trigger(c, "notice", "Task added.")
		return c.SendString(`<li id="task-7">Milk</li>`)
	})
	resp, _ := app.Test(httptest.NewRequest("POST", "/tasks", nil))
	fmt.Println(resp.Header.Get("HX-Trigger"))
	// Output: {"notice":"Task added.","taskAdded":{"id":7}}
}

// ExampleWantsFullPage answers a boosted htmx 4 request with the whole page
// and a partial one with the fragment.
func ExampleWantsFullPage() {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/tasks", func(c *fiber.Ctx) error {
		if htmx.IsRequest(c) && !htmx.WantsFullPage(c) {
			return c.SendString("fragment for #" + htmx.TargetID(c))
		}
		return c.SendString("whole page")
	})
	for _, headers := range [][]string{
		{"HX-Request", "true", "HX-Request-Type", "partial", "HX-Target", "ul#t%C3%A2ches"},
		{"HX-Request", "true", "HX-Boosted", "true", "HX-Request-Type", "full"},
		{"HX-History-Restore-Request", "true", "HX-Request-Type", "full"},
	} {
		r := httptest.NewRequest("GET", "/tasks", nil)
		for i := 0; i < len(headers); i += 2 {
			r.Header.Set(headers[i], headers[i+1])
		}
		resp, _ := app.Test(r)
		b := make([]byte, 64)
		n, _ := resp.Body.Read(b)
		fmt.Println(string(b[:n]))
	}
	// Output:
	// fragment for #tâches
	// whole page
	// whole page
}
