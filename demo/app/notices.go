package app

import (
	"time"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
)

// noticeCookie carries a one-time success message to the next page. It
// holds a key of notices, never free text.
const noticeCookie = "fiberfn_demo_notice"

// notices are the one-time messages a page can show.
var notices = map[string]string{
	"welcome":  "Welcome! Your account is ready.",
	"login":    "You are logged in.",
	"logout":   "You have been logged out.",
	"password": "Your password has been changed.",
}

// setNotice makes the next page show a notice, through the response
// options of fiberfn (applied after the handler, redirect or not).
func setNotice(c *fiber.Ctx, key string) {
	fiberfn.Response(c).SetCookie(&fiber.Cookie{
		Name: noticeCookie, Value: key, Path: "/", MaxAge: 60,
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// popNotice returns the notice waiting for this page, if any, and clears it.
func popNotice(c *fiber.Ctx) string {
	key := c.Cookies(noticeCookie)
	if key == "" {
		return ""
	}
	fiberfn.Response(c).SetCookie(&fiber.Cookie{
		Name: noticeCookie, Path: "/", MaxAge: -1, Expires: time.Unix(1, 0),
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
	})
	return notices[key]
}
