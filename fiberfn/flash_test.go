package fiberfn

import (
	"strings"
	"testing"
)

func TestFlashEncoding(t *testing.T) {
	tests := []struct {
		name       string
		in         FormState
		wantValues bool
		wantFields bool
	}{
		{"small state round-trips", FormState{Fn: "f", Status: 422, Message: "bad", Fields: map[string]string{"a": "x"}, Values: map[string]string{"a": "typed"}}, true, true},
		{"oversized values are dropped first", FormState{Fn: "f", Message: "bad", Fields: map[string]string{"a": "x"}, Values: map[string]string{"a": strings.Repeat("v", 5000)}}, false, true},
		{"oversized fields are dropped next", FormState{Fn: "f", Message: strings.Repeat("m", 2000), Fields: map[string]string{"a": strings.Repeat("x", 5000)}}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			raw := encodeFlash(&in)
			if len(raw) > 3500 {
				t.Fatalf("cookie value is %d bytes", len(raw))
			}
			got := decodeFlash(raw)
			if got == nil || got.Fn != "f" {
				t.Fatalf("decoded %+v", got)
			}
			if (len(got.Values) > 0) != tt.wantValues || (len(got.Fields) > 0) != tt.wantFields {
				t.Fatalf("values %v fields %v", got.Values, got.Fields)
			}
		})
	}
	for _, raw := range []string{"", "!!!", "e30", strings.Repeat("A", 5000)} {
		if decodeFlash(raw) != nil {
			t.Errorf("decodeFlash(%q) accepted garbage", raw)
		}
	}
}

func TestFormStateIsNilSafe(t *testing.T) {
	var f *FormState
	if f.For("x") != nil || f.Error("a") != "" || f.Value("a") != "" || f.Summary() != "" || f.HasError() {
		t.Fatal("nil FormState methods must return zero values")
	}
	f = &FormState{Fn: "x", Message: "m"}
	if f.For("x") != f || f.For("y") != nil || !f.HasError() {
		t.Fatal("For/HasError")
	}
}
