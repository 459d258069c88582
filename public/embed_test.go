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
