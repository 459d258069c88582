// Package fiberfn brings Leptos-style server functions to the Fiber v2 web
// framework, built for HTMX front ends that must keep working without
// JavaScript.
//
// A server function is an ordinary typed Go function registered once:
//
//	type AddTaskInput struct {
//		Title string `form:"title" json:"title"`
//	}
//
//	var AddTask = fiberfn.Register("add_task",
//		func(c *fiber.Ctx, in AddTaskInput) (Task, error) {
//			if strings.TrimSpace(in.Title) == "" {
//				return Task{}, fiberfn.FieldErrors{"title": "Title must not be empty."}
//			}
//			return store.Add(in.Title)
//		},
//		fiberfn.Render("partials/task")) // HTMX callers get this fragment
//
// and served by the plugin:
//
//	app := fiber.New(fiber.Config{Views: engine})
//	app.Use(fiberfn.New())
//
// A template posts to it with both a plain action and an HTMX attribute:
//
//	<form method="post" action="{{ fnPath "add_task" }}" hx-post="{{ fnPath "add_task" }}">
//
// What the caller gets back depends on who is asking:
//
//   - JSON callers (Accept or Content-Type application/json) get the result
//     as JSON, and errors as {"error": "...", "fields": {...}}.
//   - HTMX callers (HX-Request: true) get the fragment named by [Render]
//     (or 204 No Content), redirects as HX-Redirect, and errors as an
//     HTML-escaped fragment retargeted to the form's error slot.
//   - A plain form post without JavaScript is redirected back to the page it
//     came from; on error the message and the submitted values (never
//     passwords) travel along once, readable with [Flash].
//
// Inside a server function, and in ordinary page handlers too, [Response]
// sets the status, headers and cookies of the response, and [Redirect]
// redirects correctly for HTMX and plain requests alike.
//
// [Provide], [UseContext] and [ExpectContext] pass typed values (a database,
// an auth service) to handlers; [Extract] fills a struct from headers,
// cookies, query and route parameters.
//
// Cross-origin protection is on by default for server functions, with the
// semantics of Go's net/http CrossOriginProtection.
package fiberfn
