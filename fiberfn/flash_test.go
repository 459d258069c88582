package fiberfn

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

func TestFlashEncoding(t *testing.T) {
	p := &plugin{cfg: configDefault(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}), signer: signer{keys: [][]byte{[]byte(strings.Repeat("k", 32))}}}
	app := fiber.New()
	c := app.AcquireCtx(&fasthttp.RequestCtx{})
	defer app.ReleaseCtx(c)
	tests := []struct {
		name       string
		in         FormState
		wantValues bool
		wantFields bool
	}{
		{"small state round-trips", FormState{Fn: "f", Status: 422, Message: "bad", Fields: map[string]string{"a": "x"}, Values: map[string]string{"a": "typed"}}, true, true},
		{"oversized values are dropped first", FormState{Fn: "f", Message: "bad", Fields: map[string]string{"a": "x"}, Values: map[string]string{"a": strings.Repeat("v", 5000)}}, false, true},
		{"oversized fields are dropped next", FormState{Fn: "f", Message: strings.Repeat("m", 200), Fields: map[string]string{"a": strings.Repeat("x", 5000)}}, false, false},
		{"an oversized message is cut", FormState{Fn: "f", Message: strings.Repeat("é", 5000)}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			raw := p.signer.seal(purposeFlash, "c:x", time.Now().Add(time.Minute), p.encodeFlash(c, &in))
			if limit := p.flashLimit(c); len(raw) > limit {
				t.Fatalf("cookie value is %d bytes, over the %d-byte cap", len(raw), limit)
			}
			got := decodeFlash(p.signer, "c:x", raw)
			if got == nil || got.Fn != "f" {
				t.Fatalf("decoded %+v", got)
			}
			if (len(got.Values) > 0) != tt.wantValues || (len(got.Fields) > 0) != tt.wantFields {
				t.Fatalf("values %v fields %v", got.Values, got.Fields)
			}
			if !utf8.ValidString(got.Message) {
				t.Fatalf("the message was cut inside a character")
			}
		})
	}
	for _, raw := range []string{"", "!!!", "e30", "e30.AAAA", strings.Repeat("A", 5000), p.encodeFlash(c, &FormState{Fn: "f"})} {
		if decodeFlash(p.signer, "c:x", raw) != nil {
			t.Errorf("decodeFlash(%q) accepted an unsigned or garbage value", raw)
		}
	}
}

func TestFormStateIsNilSafe(t *testing.T) {
	var f *FormState
	if f.For("x") != nil || f.Error("a") != "" || f.Value("a") != "" || f.HasError() {
		t.Fatal("nil FormState methods must return zero values")
	}
	f = &FormState{Fn: "x", Message: "m"}
	if f.For("x") != f || f.For("y") != nil || !f.HasError() {
		t.Fatal("For/HasError")
	}
}
