package fiberfn

import (
	"net/http"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestIsSensitive(t *testing.T) {
	tests := []struct {
		field string
		extra []string
		want  bool
	}{
		{"password", nil, true},
		{"Password", nil, true},
		{"new_password", nil, true},
		{"passwordConfirm", nil, true},
		{"pass", nil, true},
		{"passwd", nil, true},
		{"pwd", nil, true},
		{"pin", nil, true},
		{"pin_code", nil, true},
		{"PIN", nil, true},
		{"userPIN", nil, true},
		{"userPin", nil, true},
		{"otp", nil, true},
		{"otp-code", nil, true},
		{"cvc", nil, true},
		{"cvv", nil, true},
		{"card_number", nil, true},
		{"cardNumber", nil, true},
		{"card[number]", nil, true},
		{"ccnum", nil, true},
		{"secret", nil, true},
		{"client_secret", nil, true},
		{"api_token", nil, true},
		{"apiToken", nil, true},
		{"shipping", nil, false},
		{"spinner", nil, false},
		{"username", nil, false},
		{"title", nil, false},
		{"opinion", nil, false},
		{"company", nil, false},
		{"passenger", nil, false},
		{"pinned", nil, false},
		{"nickname", nil, false},
		{"nickname", []string{"nickname"}, true},
		{"NickName", []string{"nickname"}, true},
		{"nickname2", []string{"nickname"}, false},
	}
	for _, tt := range tests {
		if got := isSensitive(tt.field, tt.extra); got != tt.want {
			t.Errorf("isSensitive(%q, %q) = %v, want %v", tt.field, tt.extra, got, tt.want)
		}
	}
}

type sensitiveIn struct {
	Username string `form:"username"`
	Password string `form:"password"`
	UserPIN  string `form:"userPIN"`
	Nickname string `form:"nickname"`
	Shipping string `form:"shipping"`
}

// TestSensitiveNotCarried checks that a failed plain post carries back the
// ordinary fields and none of the sensitive ones, Sensitive's included.
func TestSensitiveNotCarried(t *testing.T) {
	app := setupApp(t, appSetup{register: func(r *Registry) {
		RegisterOn(r, "signup", func(c *fiber.Ctx, in sensitiveIn) (struct{}, error) {
			return struct{}{}, ServerError("Name taken.", http.StatusConflict)
		}, Sensitive("nickname"))
	}})
	resp, _ := do(t, app, req{path: "/api/signup", body: "username=ann&password=hunter2&userPIN=1234&nickname=annie&shipping=fast", headers: formCT})
	flash := flashOf(t, resp)
	if flash == nil {
		t.Fatal("no flash")
	}
	want := map[string]string{"username": "ann", "shipping": "fast"}
	if len(flash.Values) != len(want) || flash.Values["username"] != "ann" || flash.Values["shipping"] != "fast" {
		t.Errorf("carried values %v, want %v", flash.Values, want)
	}
}
