// Package fiberfn brings Leptos-style server functions to the Fiber v2 web
// framework, built for htmx front ends that must keep working without
// JavaScript.
//
// A server function is an ordinary typed Go function registered once, in a
// package-level variable:
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
//			return fiberfn.ExpectContext[*Store](c).Add(in.Title)
//		},
//		fiberfn.Guard(loggedIn),            // per-function checks and Fiber middleware
//		fiberfn.Render("partials/task"),    // htmx callers get this fragment
//		fiberfn.ErrorTemplate("partials/add_form"),
//		fiberfn.ErrorTarget("closest form", "outerHTML"),
//		fiberfn.OnceOnly())                 // double clicks run it once
//
// and mounted on the app, which makes each function a real Fiber route
// (POST /api/add_task here) and installs the plugin:
//
//	app := fiber.New(fiber.Config{Views: engine})
//	fiberfn.Mount(app)
//
// A template posts to it with both a plain action and an htmx attribute:
//
//	<form method="post" action="{{ fnPath "add_task" }}" hx-post="{{ fnPath "add_task" }}">
//	  {{ fnOnce "add_task" }}
//	  <div class="fiberfn-errors"></div>
//
// # Routes
//
// [Route] and [Method] make REST-shaped functions: DELETE /contacts/:id
// with its id in a `params:"id"` field, a GET /contacts with a [Page] for
// plain browsers beside the fragment for htmx. A function answers only its
// own methods on its path; the app's routes answer the rest. [Fn.URL] and
// the template function fnURL build concrete URLs; a plain form reaches a
// PUT, PATCH or DELETE function with the [MethodField] field. Arguments
// come from the path, the query string and the body, whatever the method
// (htmx sends a GET's and a DELETE's in the query); a field that takes one
// value and is sent twice is a 400.
//
// # Who is asking
//
// Every answer is shaped by one classification of the caller, made once
// per request, right for htmx 2 and htmx 4 alike:
//
//	caller            recognised by                                   success                    error                           Redirect
//	JSON              Accept or Content-Type application/json         the value as JSON          {"error","fields"} + status     2xx + value + Fiberfn-Redirect header
//	htmx partial      HX-Request: true, not one of the next two       Render fragment            escaped fragment + HX-Retarget  200 + HX-Redirect (Navigate: HX-Location)
//	htmx full page    HX-Boosted, or htmx 4 HX-Request-Type: full     like plain                 like plain                      like plain
//	history restore   HX-History-Restore-Request: true                like plain                 like plain                      real 3xx
//	plain browser     none of the above                               302 back (GET: the Page)   302 back, error + input kept    302 to the target
//
// "302 back" goes to the same-origin Referer, else the function's
// [FallbackPage]. The error and the submitted values (never passwords, PINs
// or card numbers) travel across it in a signed cookie, read once with
// [Flash] (or [Fn.Form]). An htmx error fragment goes to the error slot of
// the form that sent it (class "fiberfn-errors"), else to the page's
// (id "fiberfn-errors"; see [ErrorScript] and [ErrorEvent]). Every
// answer's Vary names the request headers the classification read; a GET
// function's answers carry an ETag. Refusals answer before the function
// is called: 403 cross-origin (the rules of Go's net/http
// CrossOriginProtection, also available to the app's own routes as
// package origin), 413 too large, 415 unsupported body, 400 bad arguments
// naming the field; another method on the function's path is the app's
// (or Fiber's 405).
//
// # Shaping the answer
//
// Inside a server function, and in ordinary page handlers too, [Response]
// sets the status, headers and cookies of the answer (they reach error
// answers as well), [Redirect] and [Navigate] redirect the right way for
// each caller, [OutOfBand] adds fragments that htmx swaps elsewhere on the
// page, [RemoveTarget] removes the element htmx targets, [SetVersion]
// names the version a GET's ETag is made from, and [Notify] carries a
// success message to the next page. [Render], [RenderFunc] and a result
// that is a [Component] (a templ component, say) write the htmx fragment.
//
// [Provide], [UseContext] and [ExpectContext] pass typed values (a database,
// an auth service) to handlers; [Extract] fills a struct from headers,
// cookies, query and route parameters. The subpackage htmx reads and
// writes htmx's own headers.
package fiberfn
