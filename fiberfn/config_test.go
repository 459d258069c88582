package fiberfn

import (
	"log/slog"
	"net/http"
	"testing"
	"time"
)

func TestConfigDefault(t *testing.T) {
	reg := NewRegistry()
	logger := slog.Default()
	tests := []struct {
		name  string
		in    []Config
		check func(t *testing.T, c Config)
	}{
		{"no config", nil, func(t *testing.T, c Config) {
			if c.Registry != defaultRegistry || c.RedirectStatus != http.StatusFound || c.BodyLimit != 1<<20 ||
				c.ErrorTarget != "find .fiberfn-errors, #fiberfn-errors" || c.ErrorSwap != "innerHTML" || c.FlashCookie != "fiberfn_flash" || c.NoticeCookie != "fiberfn_notice" || c.OnceTTL != 24*time.Hour || len(c.Keys) != 1 || c.Logger == nil {
				t.Fatalf("%+v", c)
			}
		}},
		{"zero values get defaults", []Config{{}}, func(t *testing.T, c Config) {
			if c.Registry != defaultRegistry || c.RedirectStatus != http.StatusFound || c.BodyLimit != 1<<20 || c.Logger == nil {
				t.Fatalf("%+v", c)
			}
		}},
		{"set values are kept", []Config{{Registry: reg, RedirectStatus: http.StatusSeeOther, BodyLimit: 10, ErrorTarget: "#e", ErrorSwap: "outerHTML", FlashCookie: "f", Logger: logger}}, func(t *testing.T, c Config) {
			if c.Registry != reg || c.RedirectStatus != 303 || c.BodyLimit != 10 || c.ErrorTarget != "#e" || c.ErrorSwap != "outerHTML" || c.FlashCookie != "f" || c.Logger != logger {
				t.Fatalf("%+v", c)
			}
		}},
		{"a redirect status that is not 3xx is replaced", []Config{{RedirectStatus: 200}}, func(t *testing.T, c Config) {
			if c.RedirectStatus != http.StatusFound {
				t.Fatalf("RedirectStatus = %d", c.RedirectStatus)
			}
		}},
		{"a negative body limit is replaced", []Config{{BodyLimit: -1}}, func(t *testing.T, c Config) {
			if c.BodyLimit != 1<<20 {
				t.Fatalf("BodyLimit = %d", c.BodyLimit)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, configDefault(tt.in...)) })
	}
	if ConfigDefault.Registry != nil {
		t.Fatalf("ConfigDefault was modified")
	}
}
