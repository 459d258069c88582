package fiberfn

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestRequestDetection(t *testing.T) {
	tests := []struct {
		name                              string
		headers                           map[string]string
		htmx, boosted, restore, wantsFrag bool
		source                            string
	}{
		{name: "plain browser request", headers: nil},
		{name: "htmx 2 partial", headers: map[string]string{"HX-Request": "true", "HX-Trigger": "add-form"}, htmx: true, wantsFrag: true, source: "add-form"},
		{name: "htmx 4 partial", headers: map[string]string{"HX-Request": "true", "HX-Source": "form#add-form", "HX-Request-Type": "partial"}, htmx: true, wantsFrag: true, source: "add-form"},
		{name: "htmx 4 element without id", headers: map[string]string{"HX-Request": "true", "HX-Source": "button"}, htmx: true, wantsFrag: true},
		{name: "htmx 4 full-page request", headers: map[string]string{"HX-Request": "true", "HX-Request-Type": "full"}, htmx: true},
		{name: "boosted link", headers: map[string]string{"HX-Request": "true", "HX-Boosted": "true"}, htmx: true, boosted: true},
		{name: "htmx 2 history restore", headers: map[string]string{"HX-Request": "true", "HX-History-Restore-Request": "true"}, htmx: true, restore: true},
		{name: "htmx 4 history restore", headers: map[string]string{"HX-History-Restore-Request": "true", "HX-Request-Type": "full"}, restore: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [4]bool
			var src string
			app := fiber.New()
			app.Get("/", func(c *fiber.Ctx) error {
				got = [4]bool{IsHTMX(c), IsBoosted(c), IsHistoryRestore(c), WantsFragment(c)}
				src = SourceID(c)
				return nil
			})
			resp, _ := do(t, app, req{method: "GET", path: "/", headers: tt.headers})
			if resp.Header.Get("Vary") != "HX-Request" {
				t.Fatalf("Vary = %q, want HX-Request", resp.Header.Get("Vary"))
			}
			if want := [4]bool{tt.htmx, tt.boosted, tt.restore, tt.wantsFrag}; got != want {
				t.Fatalf("IsHTMX, IsBoosted, IsHistoryRestore, WantsFragment = %v, want %v", got, want)
			}
			if src != tt.source {
				t.Fatalf("SourceID = %q, want %q", src, tt.source)
			}
		})
	}
}

func TestWantsJSON(t *testing.T) {
	tests := []struct {
		headers map[string]string
		want    bool
	}{
		{map[string]string{"Accept": "application/json"}, true},
		{map[string]string{"Content-Type": "application/json; charset=utf-8"}, true},
		{map[string]string{"Accept": "text/html"}, false},
		{map[string]string{"Accept": "application/json", "HX-Request": "true"}, false},
		{nil, false},
	}
	for _, tt := range tests {
		var got bool
		app := fiber.New()
		app.Post("/", func(c *fiber.Ctx) error { got = WantsJSON(c); return nil })
		do(t, app, req{path: "/", headers: tt.headers})
		if got != tt.want {
			t.Errorf("WantsJSON with %v = %v, want %v", tt.headers, got, tt.want)
		}
	}
}

func TestResponseHeaderHelpers(t *testing.T) {
	app, _ := testApp(t, Config{}, nil, func(app *fiber.App) {
		app.Get("/", func(c *fiber.Ctx) error {
			if err := TriggerEvent(c, "task-added", map[string]int{"id": 7}); err != nil {
				return err
			}
			if err := TriggerEvent(c, "count-changed", nil); err != nil {
				return err
			}
			Retarget(c, "#list")
			Reswap(c, "beforeend")
			PushURL(c, "/?filter=open")
			ReplaceURL(c, "/x")
			Refresh(c)
			return c.SendString("ok")
		})
	})
	resp, _ := do(t, app, req{method: "GET", path: "/", headers: map[string]string{"HX-Request": "true"}})
	var events map[string]any
	if err := json.Unmarshal([]byte(resp.Header.Get("HX-Trigger")), &events); err != nil {
		t.Fatalf("HX-Trigger %q: %v", resp.Header.Get("HX-Trigger"), err)
	}
	if _, ok := events["count-changed"]; !ok || events["task-added"].(map[string]any)["id"] != float64(7) {
		t.Fatalf("HX-Trigger events %v", events)
	}
	for k, v := range map[string]string{"HX-Retarget": "#list", "HX-Reswap": "beforeend", "HX-Push-Url": "/?filter=open", "HX-Replace-Url": "/x", "HX-Refresh": "true"} {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestHTMXConfigMetaIsValidJSON(t *testing.T) {
	const prefix = `<meta name="htmx-config" content='`
	s := HTMXConfigMeta[len(prefix) : len(HTMXConfigMeta)-2]
	var cfg struct {
		ResponseHandling []struct {
			Code string `json:"code"`
			Swap bool   `json:"swap"`
		} `json:"responseHandling"`
	}
	if err := json.Unmarshal([]byte(s), &cfg); err != nil || len(cfg.ResponseHandling) == 0 {
		t.Fatalf("%s: %v", s, err)
	}
	if !cfg.ResponseHandling[2].Swap || cfg.ResponseHandling[2].Code != "[45].."+"" {
		t.Fatalf("4xx/5xx are not swapped: %+v", cfg.ResponseHandling)
	}
	_ = strconv.Itoa
}
