package fiberfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestAnswerCodec checks that stored answers round-trip, are compact, and
// that a value of another version, a corrupt or a truncated one is
// detected.
func TestAnswerCodec(t *testing.T) {
	row := `<li id="task-42"><form><button name="done" value="true" aria-pressed="false">Done</button><span>Buy milk</span></form></li>`
	tests := []struct {
		name string
		a    onceAnswer
	}{
		{"empty", onceAnswer{Caller: plainCaller, Status: 302}},
		{"redirect", onceAnswer{Caller: plainCaller, Status: 302, Headers: [][2]string{{"Location", "/tasks?filter=open"}}, Digest: "AAAAAAAAAAAAAAAA"}},
		{"htmx", onceAnswer{Caller: htmxPartial, Status: 200, Digest: "abcdefghijklmnop", Body: []byte(strings.Repeat(row, 20)),
			Headers: [][2]string{{"Content-Type", "text/html; charset=utf-8"}, {"Vary", varyValue}, {"Hx-Trigger", `{"fiberfn:notice":"Added."}`}, {"X-Custom", "v"}}}},
		{"json", onceAnswer{Caller: jsonCaller, Status: 201, Body: []byte(`{"id":42}`), Headers: [][2]string{{"Content-Type", "application/json"}, {RedirectHeader, "/x"}}}},
		{"binary body", onceAnswer{Caller: jsonCaller, Status: 200, Body: []byte{0, 1, 2, 0xff, 0xfe}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := encodeAnswer(&tt.a)
			got, err := decodeAnswer(b)
			if err != nil {
				t.Fatal(err)
			}
			if got.Caller != tt.a.Caller || got.Status != tt.a.Status || got.Digest != tt.a.Digest || !bytes.Equal(got.Body, tt.a.Body) || len(got.Headers) != len(tt.a.Headers) {
				t.Fatalf("round trip: %+v, want %+v", got, tt.a)
			}
			for i, h := range tt.a.Headers {
				if !strings.EqualFold(got.Headers[i][0], h[0]) || got.Headers[i][1] != h[1] {
					t.Errorf("header %d: %q, want %q", i, got.Headers[i], h)
				}
			}
			old, _ := json.Marshal(struct {
				C caller      `json:"c"`
				S int         `json:"s"`
				H [][2]string `json:"h,omitempty"`
				B []byte      `json:"b,omitempty"`
				D string      `json:"d,omitempty"`
			}{tt.a.Caller, tt.a.Status, tt.a.Headers, tt.a.Body, tt.a.Digest})
			if len(b) >= len(old) {
				t.Errorf("%d bytes, the JSON form %d", len(b), len(old))
			}
			t.Logf("%d bytes (JSON form: %d)", len(b), len(old))
			for i := range b {
				flipped := bytes.Clone(b)
				flipped[i] ^= 0x10
				if _, err := decodeAnswer(flipped); err == nil {
					t.Fatalf("byte %d flipped: decoded", i)
				}
			}
			for n := range len(b) {
				if _, err := decodeAnswer(b[:n]); err == nil {
					t.Fatalf("cut to %d bytes: decoded", n)
				}
			}
			if _, err := decodeAnswer(old); !errors.Is(err, errAnswerVersion) {
				t.Errorf("the old JSON form: %v, want errAnswerVersion", err)
			}
			next := bytes.Clone(b)
			next[1] = answerVersion + 1
			if _, err := decodeAnswer(next); !errors.Is(err, errAnswerVersion) {
				t.Errorf("a later version: %v, want errAnswerVersion", err)
			}
		})
	}
}

func FuzzDecodeAnswer(f *testing.F) {
	f.Add(encodeAnswer(&onceAnswer{Caller: htmxPartial, Status: 200, Body: []byte(strings.Repeat("<li>x</li>", 50))}))
	f.Add([]byte{answerMagic, answerVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := decodeAnswer(b)
		if err == nil && len(a.Body) > maxStoredBody {
			t.Fatalf("a body of %d bytes", len(a.Body))
		}
	})
}
