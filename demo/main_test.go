package main

import (
	"net"
	"testing"
	"time"

	"github.com/fiberfn/fiberfn/demo/app"
)

func TestListeningOn(t *testing.T) {
	for _, tc := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, "http://127.0.0.1:8080"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 3000}, "http://[::1]:3000"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 3000}, "http://[::]:3000 (every interface; on this machine http://localhost:3000)"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 3000}, "http://0.0.0.0:3000 (every IPv4 interface; on this machine http://localhost:3000)"},
	} {
		if got := listeningOn(tc.addr); got != tc.want {
			t.Errorf("listeningOn(%v) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}

// TestListeningOnWildcard listens as the demo does by default (":0"), and
// checks that the line names the address really bound, not localhost.
func TestListeningOnWildcard(t *testing.T) {
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	got := listeningOn(ln.Addr())
	for _, want := range []string{"http://[::]:" + port + " (every interface", "http://0.0.0.0:" + port + " (every IPv4 interface"} {
		if len(got) >= len(want) && got[:len(want)] == want {
			return
		}
	}
	t.Errorf("listeningOn(%v) = %q, want the wildcard address it is bound to", ln.Addr(), got)
}

func TestParseSecrets(t *testing.T) {
	for _, tc := range []struct {
		list string
		want []string
		bad  bool
	}{
		{"", nil, false},
		{"  ", nil, false},
		{"0123456789abcdef", []string{"0123456789abcdef"}, false},
		{"new-secret-16+bytes, old-secret-16+bytes", []string{"new-secret-16+bytes", "old-secret-16+bytes"}, false},
		{"new-secret-16+bytes,", nil, true},
		{"new-secret-16+bytes,,old-secret-16+bytes", nil, true},
		{"new-secret-16+bytes,short", nil, true},
	} {
		got, err := parseSecrets(tc.list)
		if (err != nil) != tc.bad {
			t.Errorf("parseSecrets(%q): error %v", tc.list, err)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("parseSecrets(%q) = %q, want %q", tc.list, got, tc.want)
			continue
		}
		for i := range got {
			if string(got[i]) != tc.want[i] {
				t.Errorf("parseSecrets(%q)[%d] = %q, want %q", tc.list, i, got[i], tc.want[i])
			}
		}
	}
}

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want app.Limit
		bad  bool
	}{
		{"300/1m", app.Limit{Max: 300, Window: time.Minute}, false},
		{" 10 / 30s ", app.Limit{Max: 10, Window: 30 * time.Second}, false},
		{"300", app.Limit{}, true},
		{"0/1m", app.Limit{}, true},
		{"-1/1m", app.Limit{}, true},
		{"10/1ms", app.Limit{}, true},
		{"10/forever", app.Limit{}, true},
	} {
		got, err := parseRate(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("parseRate(%q) = %+v, %v", tc.in, got, err)
		}
	}
}
