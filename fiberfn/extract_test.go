package fiberfn

import (
	"testing"

	"github.com/gofiber/fiber/v2"
)

type pageParts struct {
	Filter string `query:"filter"`
	Page   int    `query:"page"`
	Lang   string `reqHeader:"Accept-Language"`
	Theme  string `cookie:"theme"`
	ID     int    `params:"id"`
}

func TestExtract(t *testing.T) {
	var got pageParts
	app, _ := testApp(t, Config{}, nil, func(app *fiber.App) {
		app.Get("/list/:id", func(c *fiber.Ctx) error {
			p, err := Extract[pageParts](c)
			if err != nil {
				return err
			}
			got = p
			return c.SendString("ok")
		})
	})
	tests := []struct {
		name   string
		path   string
		status int
		want   pageParts
		msg    string
	}{
		{"every part", "/list/7?filter=open&page=2", 200, pageParts{Filter: "open", Page: 2, Lang: "de", Theme: "dark", ID: 7}, "ok"},
		{"bad query number", "/list/7?page=two", 400, pageParts{}, `Invalid value for query parameter "page".`},
		{"bad route number", "/list/x", 400, pageParts{}, `Invalid value for route parameter "id".`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = pageParts{}
			resp, body := do(t, app, req{method: "GET", path: tt.path, headers: map[string]string{"Accept-Language": "de", "Cookie": "theme=dark"}})
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, body, tt.status)
			}
			if body != tt.msg {
				t.Fatalf("body %q, want %q", body, tt.msg)
			}
			if got != tt.want {
				t.Fatalf("extracted %+v, want %+v", got, tt.want)
			}
		})
	}
}
