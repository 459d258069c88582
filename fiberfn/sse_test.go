package fiberfn

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

func TestEventAppendSSE(t *testing.T) {
	tests := []struct {
		name string
		e    Event
		want string
	}{
		{"unnamed one line", Event{Data: "<li>a</li>"}, "data: <li>a</li>\n\n"},
		{"LF lines", Event{Data: "<ul>\n<li>a</li>\n</ul>"}, "data: <ul>\ndata: <li>a</li>\ndata: </ul>\n\n"},
		{"CRLF and CR lines", Event{Data: "a\r\nb\rc"}, "data: a\ndata: b\ndata: c\n\n"},
		{"empty lines kept", Event{Data: "a\n\nb\n"}, "data: a\ndata:\ndata: b\ndata:\n\n"},
		{"empty data", Event{Name: "ping"}, "event: ping\ndata:\n\n"},
		{"leading space kept", Event{Data: " x"}, "data:  x\n\n"},
		{"colon in data", Event{Data: "id: 3"}, "data: id: 3\n\n"},
		{"everything", Event{ID: "5-1", Name: "fiberfn:reset", Data: "t", Retry: 1500 * time.Millisecond}, "id: 5-1\nretry: 1500\nevent: fiberfn:reset\ndata: t\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.e.AppendSSE(nil)
			if err != nil || string(got) != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestEventRefusesFieldInjection(t *testing.T) {
	for _, e := range []Event{
		{Name: "x\ndata: injected"},
		{Name: "x\rid: 9"},
		{ID: "1-1\nevent: evil"},
		{ID: "1\x00"},
	} {
		if b, err := e.AppendSSE([]byte("keep")); err == nil || string(b) != "keep" {
			t.Errorf("%+v: got %q, %v; want an error and dst unchanged", e, b, err)
		}
		if _, err := e.AppendJSONLine(nil); err == nil {
			t.Errorf("%+v: AppendJSONLine accepted it", e)
		}
	}
}

func TestEventAppendJSONLine(t *testing.T) {
	tests := []struct {
		name string
		e    Event
		want string
	}{
		{"html", Event{ID: "1-2", Data: "<b>\"x\" & y</b>\nz"}, `{"id":"1-2","data":"\u003cb\u003e\"x\" \u0026 y\u003c/b\u003e\nz"}` + "\n"},
		{"named no data", Event{Name: "fiberfn:reset"}, `{"event":"fiberfn:reset"}` + "\n"},
		{"json value", Event{Data: `{"a": [1, 2]}`, JSON: true}, `{"data":{"a": [1, 2]}}` + "\n"},
		{"json value on lines", Event{Data: "{\n \"a\": 1\n}", JSON: true}, `{"data":{"a":1}}` + "\n"},
		{"invalid json is a string", Event{Data: `{"a":`, JSON: true}, `{"data":"{\"a\":"}` + "\n"},
		{"invalid utf8 and controls", Event{Data: "a\xffb\x01\u2028"}, `{"data":"a\ufffdb\u0001\u2028"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.e.AppendJSONLine(nil)
			if err != nil || string(got) != tt.want {
				t.Fatalf("got %s, %v; want %s", got, err, tt.want)
			}
			if strings.Count(string(got), "\n") != 1 {
				t.Fatalf("not one line: %q", got)
			}
			var v map[string]any
			if err := json.Unmarshal(got, &v); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
		})
	}
}

func TestStreamFormatOf(t *testing.T) {
	tests := []struct {
		accept string
		want   StreamFormat
	}{
		{"", StreamSSE},
		{"text/event-stream", StreamSSE},
		{"text/html, text/event-stream", StreamSSE}, // htmx 4 with hx-sse
		{"application/json, text/event-stream", StreamSSE},
		{"application/json", StreamJSONLines},
		{"application/x-ndjson", StreamJSONLines},
		{"application/jsonl;q=0.9", StreamJSONLines},
		{"*/*", StreamSSE},
		{"text/html", StreamSSE},
		{"garbage;;;,", StreamSSE},
	}
	for _, tt := range tests {
		var got StreamFormat
		app := fiber.New()
		app.Get("/", func(c *fiber.Ctx) error { got = StreamFormatOf(c); return nil })
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept", tt.accept)
		if _, err := app.Test(r); err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("Accept %q: got %v, want %v", tt.accept, got, tt.want)
		}
	}
}

func TestEventIDs(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1-0", "1-0", 0},
		{"1-0", "1-1", -1},
		{"2-0", "1-9", 1},
		{"1700000000000-3", "1700000000000-12", -1},
		{"x", "1-1", -1},
		{"1-1", "", 1},
		{"18446744073709551615-0", "18446744073709551614-99", 1},
	}
	for _, tt := range tests {
		if got := CompareEventIDs(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareEventIDs(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	for _, bad := range []string{"", "1", "-1", "1-", "a-1", "1-1-1", "+1-1", " 1-1", "18446744073709551616-0", strings.Repeat("9", 40) + "-1"} {
		if _, ok := parseEventID(bad); ok {
			t.Errorf("parseEventID(%q) accepted it", bad)
		}
	}
}

func TestParseCursor(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want []string
	}{
		{"5-1", 1, []string{"5-1"}},
		{"5-1,7-0", 2, []string{"5-1", "7-0"}},
		{"5-1,7-0", 1, nil},
		{"5-1", 2, nil},
		{"5-1,", 2, nil},
		{",", 2, nil},
		{"", 1, nil},
		{strings.Repeat("1-1,", 1000) + "1-1", 1001, []string{}}, // too long for its count? no: allowed length
		{strings.Repeat("x", 100000), 1, nil},
	}
	for _, tt := range tests {
		got, ok := parseCursor(tt.s, tt.n)
		if tt.want == nil {
			if ok {
				t.Errorf("parseCursor(%.20q, %d) accepted it", tt.s, tt.n)
			}
			continue
		}
		if !ok || (len(tt.want) > 0 && strings.Join(got, ",") != strings.Join(tt.want, ",")) {
			t.Errorf("parseCursor(%.20q, %d) = %v, %v", tt.s, tt.n, got, ok)
		}
	}
}
