// Package templates holds the demo's html/template files, embedded so the
// demo binary needs no files next to it. Template names are paths without
// the ".html" extension: "index", "layouts/main", "partials/tasks".
package templates

import "embed"

// FS holds the pages (*.html), layouts/ and partials/.
//
//go:embed *.html layouts partials
var FS embed.FS
