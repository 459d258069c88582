package public

import (
	"io/fs"
	"strings"
	"testing"
)

// TestVendoredHTMX checks that each pinned htmx version is embedded with its
// LICENSE, and that the file really is that version.
func TestVendoredHTMX(t *testing.T) {
	for _, tc := range []struct{ version, marker string }{
		{HTMXDefault, `this.version="` + HTMXDefault + `"`},
		{HTMXLegacy, `version:"` + HTMXLegacy + `"`},
	} {
		dir := "vendor/htmx-" + tc.version
		js, err := fs.ReadFile(FS, dir+"/htmx.min.js")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(js), tc.marker) {
			t.Errorf("%s/htmx.min.js does not contain %s", dir, tc.marker)
		}
		if _, err := fs.Stat(FS, dir+"/LICENSE"); err != nil {
			t.Errorf("no LICENSE next to htmx %s: %v", tc.version, err)
		}
		if got, want := HTMXScript(tc.version), "/public/"+dir+"/htmx.min.js"; got != want {
			t.Errorf("HTMXScript(%q) = %q, want %q", tc.version, got, want)
		}
	}
	for _, name := range []string{"css/app.css", "css/demo.css", "js/app.js", "img/pencil.svg", "img/trash.svg", "img/close.svg"} {
		if _, err := fs.Stat(FS, name); err != nil {
			t.Error(err)
		}
	}
	if got, want := HTMXFile(HTMXDefault), "vendor/htmx-"+HTMXDefault+"/htmx.min.js"; got != want {
		t.Errorf("HTMXFile = %q, want %q", got, want)
	}
}

// TestVendoredSSEExtensions checks the server-sent-events extensions: htmx
// 4's hx-sse.js (registers "sse" with htmx.registerExtension) and htmx 2's
// sse.js (htmx.defineExtension), the latter with its LICENSE.
func TestVendoredSSEExtensions(t *testing.T) {
	for _, tc := range []struct{ version, file, marker string }{
		{HTMXDefault, "vendor/htmx-" + HTMXDefault + "/ext/hx-sse.js", "htmx.registerExtension('sse'"},
		{HTMXLegacy, "vendor/htmx-ext-sse-" + SSEExtVersion + "/sse.js", "htmx.defineExtension('sse'"},
	} {
		if got := SSEExtFile(tc.version); got != tc.file {
			t.Errorf("SSEExtFile(%q) = %q, want %q", tc.version, got, tc.file)
		}
		if got := SSEExtScript(tc.version); got != "/public/"+tc.file {
			t.Errorf("SSEExtScript(%q) = %q", tc.version, got)
		}
		js, err := fs.ReadFile(FS, tc.file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(js), tc.marker) {
			t.Errorf("%s does not contain %s", tc.file, tc.marker)
		}
	}
	for _, name := range []string{"vendor/htmx-ext-sse-" + SSEExtVersion + "/LICENSE", SSEResumeFile} {
		if _, err := fs.Stat(FS, name); err != nil {
			t.Error(err)
		}
	}
}
