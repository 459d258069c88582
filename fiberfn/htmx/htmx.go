// Package htmx reads the request headers htmx sends and writes the
// response headers htmx understands, for htmx 2.x and htmx 4.x alike. It
// depends on Fiber only: use it with or without the fiberfn plugin.
//
// What a request is, as each version says it:
//
//	request            htmx 2                                  htmx 4
//	partial            HX-Request: true                        HX-Request: true, HX-Request-Type: partial
//	boosted            HX-Request, HX-Boosted: true            HX-Request, HX-Boosted, HX-Request-Type: full
//	targets <body>     HX-Request: true                        HX-Request, HX-Request-Type: full
//	history restore    HX-Request, HX-History-Restore-Request  HX-History-Restore-Request, HX-Request-Type: full
//
// [WantsFullPage] folds these into the one question a page handler asks.
// Response helpers set headers with c.Set, so they reach every answer,
// errors included.
package htmx

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Request headers.
const (
	HeaderRequest        = "HX-Request"                 // "true" on every htmx request (htmx 4 history restore aside)
	HeaderBoosted        = "HX-Boosted"                 // "true" for hx-boost links and forms
	HeaderHistoryRestore = "HX-History-Restore-Request" // "true" when restoring history after a cache miss
	HeaderRequestType    = "HX-Request-Type"            // htmx 4: "partial" or "full"
	HeaderSource         = "HX-Source"                  // htmx 4: "tag#id" of the requesting element, id URI-encoded
	HeaderTarget         = "HX-Target"                  // htmx 2: id of the target; htmx 4: "tag#id"
	HeaderCurrentURL     = "HX-Current-URL"             // the browser's URL
	HeaderTriggerName    = "HX-Trigger-Name"            // htmx 2: name of the requesting element
	HeaderPrompt         = "HX-Prompt"                  // the answer to hx-prompt
)

// Response headers.
const (
	HeaderTrigger    = "HX-Trigger" // also a request header in htmx 2: id of the requesting element
	HeaderRedirect   = "HX-Redirect"
	HeaderLocation   = "HX-Location"
	HeaderRefresh    = "HX-Refresh"
	HeaderRetarget   = "HX-Retarget"
	HeaderReswap     = "HX-Reswap"
	HeaderReselect   = "HX-Reselect"
	HeaderPushURL    = "HX-Push-Url"
	HeaderReplaceURL = "HX-Replace-Url"
)

// IsRequest reports whether htmx made the request: HX-Request: true, or an
// htmx 4 history restore (which sends only HX-History-Restore-Request and
// HX-Request-Type).
func IsRequest(c *fiber.Ctx) bool {
	return c.Get(HeaderRequest) == "true" || IsHistoryRestore(c)
}

// IsBoosted reports whether the request comes from an hx-boost link or form.
func IsBoosted(c *fiber.Ctx) bool {
	return c.Get(HeaderBoosted) == "true"
}

// IsHistoryRestore reports whether htmx is restoring a page from history
// after a cache miss: it wants the whole page.
func IsHistoryRestore(c *fiber.Ctx) bool {
	return c.Get(HeaderHistoryRestore) == "true"
}

// RequestType returns htmx 4's HX-Request-Type: "partial", "full", or ""
// (htmx 2, or not htmx).
func RequestType(c *fiber.Ctx) string {
	return strings.ToLower(c.Get(HeaderRequestType))
}

// WantsFullPage reports whether an htmx request wants a whole page rather
// than a fragment: boosted, history-restore and htmx 4 "full" requests. It is
// false for requests that are not htmx's.
func WantsFullPage(c *fiber.Ctx) bool {
	if !IsRequest(c) {
		return false
	}
	return IsBoosted(c) || IsHistoryRestore(c) || RequestType(c) == "full"
}

// SourceID returns the id of the element that made the request, decoded:
// htmx 4 sends "tag#id" (id URI-encoded) as HX-Source, htmx 2 the id as
// HX-Trigger. It is "" when the element has no id.
func SourceID(c *fiber.Ctx) string {
	if src := c.Get(HeaderSource); src != "" {
		return idOf(src)
	}
	return c.Get(HeaderTrigger)
}

// TargetID returns the id of the element the response will be swapped into,
// decoded, for htmx 2 ("id") and htmx 4 ("tag#id"); "" when it has none.
func TargetID(c *fiber.Ctx) string {
	t := c.Get(HeaderTarget)
	if RequestType(c) == "" && !strings.Contains(t, "#") {
		return t // htmx 2: the bare id
	}
	return idOf(t)
}

// idOf returns the decoded id of an htmx 4 "tag#id" identifier.
func idOf(ident string) string {
	_, id, ok := strings.Cut(ident, "#")
	if !ok {
		return ""
	}
	if dec, err := url.PathUnescape(id); err == nil {
		return dec
	}
	return id
}

// CurrentURL returns the URL the browser showed when it made the request.
func CurrentURL(c *fiber.Ctx) string {
	return c.Get(HeaderCurrentURL)
}

// Trigger makes htmx trigger a client-side event when the response arrives
// (HX-Trigger), with detail as the event's detail (nil for none; htmx wraps
// a non-object detail as {value: detail}). Several events may be triggered
// in one response; a later call with the same event replaces its detail.
func Trigger(c *fiber.Ctx, event string, detail any) error {
	prev := c.GetRespHeader(HeaderTrigger)
	events := map[string]any{}
	if prev != "" {
		if err := json.Unmarshal([]byte(prev), &events); err != nil {
			for _, name := range strings.Split(prev, ",") {
				events[strings.TrimSpace(name)] = nil
			}
		}
	}
	events[event] = detail
	b, err := json.Marshal(events)
	if err != nil {
		return err
	}
	c.Set(HeaderTrigger, string(b))
	return nil
}

// Retarget makes htmx swap the response into the element selector names
// instead of the element's hx-target (HX-Retarget).
func Retarget(c *fiber.Ctx, selector string) { c.Set(HeaderRetarget, selector) }

// Reswap overrides the swap style of the response (HX-Reswap), for
// example "outerHTML" or "beforeend".
func Reswap(c *fiber.Ctx, style string) { c.Set(HeaderReswap, style) }

// Reselect picks the part of the response to swap in (HX-Reselect).
func Reselect(c *fiber.Ctx, selector string) { c.Set(HeaderReselect, selector) }

// PushURL makes htmx push url into the browser history (HX-Push-Url).
func PushURL(c *fiber.Ctx, url string) { c.Set(HeaderPushURL, url) }

// ReplaceURL makes htmx replace the current URL in the browser history
// (HX-Replace-Url).
func ReplaceURL(c *fiber.Ctx, url string) { c.Set(HeaderReplaceURL, url) }

// Refresh makes htmx reload the whole page (HX-Refresh).
func Refresh(c *fiber.Ctx) { c.Set(HeaderRefresh, "true") }

// ConfigMeta is a <meta> tag for the page <head>, before htmx loads, that
// makes htmx 2 swap 4xx and 5xx responses as htmx 4 does by default, so
// error fragments land in forms with either version, and turns off what a
// strict Content-Security-Policy forbids: htmx 2's inline indicator <style>,
// htmx 4's constructed indicator stylesheet, eval (hx-on, js: values) and
// script tags in swapped content (put the .htmx-indicator rules in your own
// stylesheet). htmx 2 keeps no page snapshots, which may hold private data,
// in sessionStorage (historyCacheSize 0: history restore asks the server).
// It also lets htmx 4 swap an empty main fragment that came with
// out-of-band parts (a deleted row), as htmx 2 does. fiberfn's template function "fnHTMXConfig"
// returns it.
const ConfigMeta = `<meta name="htmx-config" content='{"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},{"code":"[45]..","swap":true,"error":true},{"code":"...","swap":false}],"includeIndicatorStyles":false,"includeIndicatorCSS":false,"allowEval":false,"allowScriptTags":false,"historyCacheSize":0,"allowEmptySwapAfterOOB":true}'>`
