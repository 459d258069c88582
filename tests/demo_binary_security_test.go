package tests

// The hardening flags of the built binary: -secure-cookies,
// -trusted-proxies, -secret and FIBERFN_DEMO_SECRET.

import (
	"errors"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestDemoBinarySecurityFlags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo binary; skipped with -short")
	}
	bin := buildDemo(t)

	t.Run("help describes the flags", func(t *testing.T) {
		out, _ := exec.Command(bin, "-h").CombinedOutput()
		for _, want := range []string{"-secure-cookies", "-trusted-proxies", "CIDR", "-secret", "FIBERFN_DEMO_SECRET"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("demo -h does not mention %q:\n%s", want, out)
			}
		}
	})

	t.Run("bad values are errors", func(t *testing.T) {
		for _, args := range [][]string{
			{"-trusted-proxies", "10.0.0.0/8,not-an-address"},
			{"-trusted-proxies", "10.0.0.0/33"},
			{"-secret", "too short"},
		} {
			cmd := exec.Command(bin, append(args, "-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "x.db"))...)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 {
				t.Errorf("demo %q: %v\n%s", args, err, out)
			}
		}
	})

	// login logs in with a fresh account over a raw client and returns
	// the Set-Cookie lines of the answer.
	login := func(t *testing.T, base string, header ...string) []string {
		t.Helper()
		newPlainClient(t, base).signup("flags", "flags-password")
		r := rawPost(t, base, "/api/login", url.Values{"username": {"flags"}, "password": {"flags-password"}}, header...)
		if r.Status != http.StatusFound || setCookieHeader(r.Header, "fiberfn_demo_session") == "" {
			t.Fatalf("login: %d %q", r.Status, r.Header.Values("Set-Cookie"))
		}
		return r.Header.Values("Set-Cookie")
	}
	allSecure := func(lines []string) bool {
		for _, l := range lines {
			if !strings.Contains(strings.ToLower(l), "; secure") {
				return false
			}
		}
		return true
	}
	anySecure := func(lines []string) bool {
		for _, l := range lines {
			if strings.Contains(strings.ToLower(l), "; secure") {
				return true
			}
		}
		return false
	}

	tests := []struct {
		name       string
		args       []string
		env        string // FIBERFN_DEMO_SECRET
		header     []string
		secure     bool
		startLines []string
	}{
		{"defaults", nil, "", []string{"X-Forwarded-Proto", "https"}, false,
			[]string{"signing key: stored in the database", "cookies Secure: on HTTPS requests", "trusted proxies: none"}},
		{"-secure-cookies", []string{"-secure-cookies"}, "", nil, true,
			[]string{"cookies Secure: always"}},
		{"-trusted-proxies with X-Forwarded-Proto https", []string{"-trusted-proxies", "10.0.0.0/8, 127.0.0.1"}, "", []string{"X-Forwarded-Proto", "https"}, true,
			[]string{"trusted proxies: 10.0.0.0/8,127.0.0.1"}},
		{"-trusted-proxies elsewhere", []string{"-trusted-proxies", "10.0.0.0/8"}, "", []string{"X-Forwarded-Proto", "https"}, false, nil},
		{"-secret", []string{"-secret", "an operator's secret of 32 bytes"}, "", nil, false,
			[]string{"signing key: -secret"}},
		{"FIBERFN_DEMO_SECRET", nil, "a secret from the environment!!", nil, false,
			[]string{"signing key: $FIBERFN_DEMO_SECRET"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("FIBERFN_DEMO_SECRET", tc.env)
			args := append([]string{"-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "demo.db")}, tc.args...)
			p := startDemoBinary(t, bin, t.TempDir(), "", args...)
			for _, want := range tc.startLines {
				if !strings.Contains(p.output(false), want) {
					t.Errorf("the start-up output lacks %q:\n%s", want, p.output(false))
				}
			}
			lines := login(t, strings.Replace(p.base, "localhost", "127.0.0.1", 1), tc.header...)
			if tc.secure && !allSecure(lines) || !tc.secure && anySecure(lines) {
				t.Errorf("Secure cookies %v, got %q", tc.secure, lines)
			}
		})
	}
}
