package app

import (
	"strings"
	"testing"
)

func TestSafeNext(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/", "/"},
		{"/settings", "/settings"},
		{"/?filter=open", "/?filter=open"},
		{"", "/"},
		{"settings", "/"},
		{"//evil.example", "/"},
		{`/\evil.example`, "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"/a\r\nSet-Cookie: x=y", "/"},
		{"/a\\b", "/"},
	}
	for _, tt := range tests {
		if got := SafeNext(tt.in); got != tt.want {
			t.Errorf("SafeNext(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestUsernameProblem(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"abc", true},
		{"a.b-c_d9", true},
		{strings.Repeat("a", 32), true},
		{"ab", false},
		{strings.Repeat("a", 33), false},
		{"", false},
		{"Abc", false}, // callers normalize first
		{"a b", false},
		{"jörg", false},
		{"a/b", false},
	}
	for _, tt := range tests {
		if got := usernameProblem(tt.in) == ""; got != tt.ok {
			t.Errorf("usernameProblem(%q) ok = %v, want %v", tt.in, got, tt.ok)
		}
	}
	if got := normalizeUsername("  Alice "); got != "alice" {
		t.Errorf("normalizeUsername = %q", got)
	}
}

func TestPasswordProblem(t *testing.T) {
	for _, tt := range []struct {
		n  int
		ok bool
	}{{0, false}, {7, false}, {8, true}, {72, true}, {73, false}} {
		if got := passwordProblem(strings.Repeat("p", tt.n)) == ""; got != tt.ok {
			t.Errorf("%d-byte password ok = %v, want %v", tt.n, got, tt.ok)
		}
	}
}

func TestCleanTitle(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"  Buy milk ", "Buy milk", true},
		{strings.Repeat("ä", 200), strings.Repeat("ä", 200), true},
		{strings.Repeat("ä", 201), "", false},
		{"", "", false},
		{" \t\n ", "", false},
		{"one\ntwo", "", false},
		{"bad \xff utf-8", "", false},
	}
	for _, tt := range tests {
		got, problem := cleanTitle(tt.in)
		if (problem == "") != tt.ok || got != tt.want {
			t.Errorf("cleanTitle(%q) = %q, %q; want %q, ok %v", tt.in, got, problem, tt.want, tt.ok)
		}
	}
}

func TestParseFilter(t *testing.T) {
	for in, want := range map[string]Filter{"": FilterAll, "all": FilterAll, "open": FilterOpen, "done": FilterDone, "DONE": FilterAll, "x": FilterAll} {
		if got := ParseFilter(in); got != want {
			t.Errorf("ParseFilter(%q) = %q, want %q", in, got, want)
		}
	}
}
