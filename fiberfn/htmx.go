package fiberfn

import (
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// HTMX request and response headers, for htmx 2.x and 4.x.
const (
	HeaderHXRequest        = "HX-Request"
	HeaderHXBoosted        = "HX-Boosted"
	HeaderHXHistoryRestore = "HX-History-Restore-Request"
	HeaderHXRequestType    = "HX-Request-Type" // htmx 4: "partial" or "full"
	HeaderHXTrigger        = "HX-Trigger"      // request (htmx 2: id of the element) and response (events)
	HeaderHXSource         = "HX-Source"       // htmx 4: "tag#id" of the element
	HeaderHXTarget         = "HX-Target"
	HeaderHXCurrentURL     = "HX-Current-URL"
	HeaderHXRedirect       = "HX-Redirect"
	HeaderHXLocation       = "HX-Location"
	HeaderHXRefresh        = "HX-Refresh"
	HeaderHXRetarget       = "HX-Retarget"
	HeaderHXReswap         = "HX-Reswap"
	HeaderHXReselect       = "HX-Reselect"
	HeaderHXPushURL        = "HX-Push-Url"
	HeaderHXReplaceURL     = "HX-Replace-Url"
)

// IsHTMX reports whether the request was made by htmx (HX-Request: true).
func IsHTMX(c *fiber.Ctx) bool {
	return c.Get(HeaderHXRequest) == "true"
}

// IsBoosted reports whether the request comes from an hx-boost link or form.
func IsBoosted(c *fiber.Ctx) bool {
	return c.Get(HeaderHXBoosted) == "true"
}

// IsHistoryRestore reports whether htmx is restoring a page from history
// (back/forward after a cache miss): it wants the whole page.
func IsHistoryRestore(c *fiber.Ctx) bool {
	return c.Get(HeaderHXHistoryRestore) == "true"
}

// WantsFragment tells a page handler whether to render only a fragment
// (true) or the whole page with its layout (false). It is right for htmx 2
// and htmx 4: plain, boosted and history-restore requests, and htmx 4
// requests of type "full", get the whole page. Since the answer then
// depends on the request, it adds "Vary: HX-Request" to the response.
func WantsFragment(c *fiber.Ctx) bool {
	varyHX(c)
	return IsHTMX(c) && !IsBoosted(c) && !IsHistoryRestore(c) &&
		!strings.EqualFold(c.Get(HeaderHXRequestType), "full")
}

// WantsJSON reports whether the caller asked for JSON (Accept or
// Content-Type application/json) and is not htmx: the callers to whom
// server functions answer in JSON.
func WantsJSON(c *fiber.Ctx) bool {
	if IsHTMX(c) {
		return false
	}
	return strings.Contains(c.Get(fiber.HeaderAccept), fiber.MIMEApplicationJSON) ||
		strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationJSON)
}

// SourceID returns the id of the element that made an HTMX request: htmx 2
// sends it as HX-Trigger, htmx 4 as HX-Source ("tag#id"). It is "" when the
// element has no id.
func SourceID(c *fiber.Ctx) string {
	if src := c.Get(HeaderHXSource); src != "" {
		if _, id, ok := strings.Cut(src, "#"); ok {
			return id
		}
		return ""
	}
	return c.Get(HeaderHXTrigger)
}

// TriggerEvent makes htmx trigger a client-side event when the response
// arrives (HX-Trigger). With a non-nil detail the header carries JSON
// ({"event": detail}); several events may be triggered in one response.
func TriggerEvent(c *fiber.Ctx, event string, detail any) error {
	r := Response(c)
	prev, _ := r.Header(HeaderHXTrigger)
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
	r.InsertHeader(HeaderHXTrigger, string(b))
	return nil
}

// Retarget makes htmx swap the response into selector instead of the
// element's hx-target (HX-Retarget).
func Retarget(c *fiber.Ctx, selector string) {
	Response(c).InsertHeader(HeaderHXRetarget, selector)
}

// Reswap overrides the swap style of the response (HX-Reswap), for
// example "outerHTML" or "beforeend".
func Reswap(c *fiber.Ctx, style string) {
	Response(c).InsertHeader(HeaderHXReswap, style)
}

// PushURL makes htmx push url into the browser history (HX-Push-Url).
func PushURL(c *fiber.Ctx, url string) {
	Response(c).InsertHeader(HeaderHXPushURL, url)
}

// ReplaceURL makes htmx replace the current URL in the browser history
// (HX-Replace-Url).
func ReplaceURL(c *fiber.Ctx, url string) {
	Response(c).InsertHeader(HeaderHXReplaceURL, url)
}

// Refresh makes htmx reload the whole page (HX-Refresh).
func Refresh(c *fiber.Ctx) {
	Response(c).InsertHeader(HeaderHXRefresh, "true")
}

// HTMXConfigMeta is a <meta> tag that makes htmx 2 swap 4xx and 5xx
// responses (htmx 4 does so by default), so the error fragments of server
// functions land in forms with either version. Put it in the page <head>
// before htmx loads; the template function "fnHTMXConfig" returns it.
const HTMXConfigMeta = `<meta name="htmx-config" content='{"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},{"code":"[45]..","swap":true,"error":true},{"code":"...","swap":false}]}'>`
