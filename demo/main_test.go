package main

import (
	"net"
	"testing"
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
