// Package public holds the demo's static files: the vendored htmx builds,
// the stylesheets, the demo's script (js/app.js) and its icons (img/). They are embedded so that the demo binary serves them
// without a files directory next to it, for example with
//
//	app.Use("/public", filesystem.New(filesystem.Config{Root: http.FS(public.FS)}))
//
// A file's URL is "/public/" followed by its path in FS, such as
// "/public/css/app.css" or "/public/vendor/htmx-4.0.1/htmx.min.js".
//
// The htmx files come unchanged from the htmx.org npm package; `task vendor`
// refreshes them. Each version's LICENSE sits next to its htmx.min.js. The
// server-sent-events extensions come the same way: htmx 4's ext/hx-sse.js
// from htmx.org, htmx 2's sse.js from htmx-ext-sse (see SSEExtFile).
package public

import (
	"embed"
	"strings"
)

// FS holds the static files: css/, img/, js/, vendor/htmx-<version>/ and
// vendor/htmx-ext-sse-<version>/.
//
//go:embed css img js vendor
var FS embed.FS

// HTMXDefault is the htmx version that the demo serves by default. Its script
// is at "/public/vendor/htmx-" + HTMXDefault + "/htmx.min.js".
const HTMXDefault = "4.0.1"

// HTMXLegacy is the older htmx version that the demo can serve instead, so
// that the browser tests prove that fiberfn also works with htmx 2.x clients.
const HTMXLegacy = "2.0.11"

// HTMXScript returns the URL path of the htmx.min.js of the given version,
// for example "/public/vendor/htmx-4.0.1/htmx.min.js". The demo serves it
// under a versioned path instead (see HTMXFile).
func HTMXScript(version string) string {
	return "/public/" + HTMXFile(version)
}

// HTMXFile returns the path in FS of the htmx.min.js of the given version,
// for example "vendor/htmx-4.0.1/htmx.min.js".
func HTMXFile(version string) string {
	return "vendor/htmx-" + version + "/htmx.min.js"
}

// SSEExtVersion is the version of htmx 2's server-sent-events extension
// (npm htmx-ext-sse) in vendor/htmx-ext-sse-<version>/.
const SSEExtVersion = "2.2.4"

// SSEExtFile returns the path in FS of the server-sent-events extension
// for the given htmx version: htmx 4's own "vendor/htmx-4.0.1/ext/hx-sse.js",
// or for htmx 2 "vendor/htmx-ext-sse-2.2.4/sse.js". Load it after htmx.
func SSEExtFile(htmxVersion string) string {
	if strings.HasPrefix(htmxVersion, "2.") {
		return "vendor/htmx-ext-sse-" + SSEExtVersion + "/sse.js"
	}
	return "vendor/htmx-" + htmxVersion + "/ext/hx-sse.js"
}

// SSEResumeFile is the path in FS of js/sse-resume.js, for pages on htmx
// 2: loaded after the sse extension, it makes an EventSource that the
// extension opens anew (after one gave up on an error status or a blocked
// request) resume from the last event id it saw, through fiberfn's
// "last-event-id" query parameter, so that nothing is lost or doubled.
// htmx 4's hx-sse needs nothing of the kind.
const SSEResumeFile = "js/sse-resume.js"

// SSEExtScript returns the URL path of SSEExtFile(htmxVersion), under
// "/public/".
func SSEExtScript(htmxVersion string) string {
	return "/public/" + SSEExtFile(htmxVersion)
}
