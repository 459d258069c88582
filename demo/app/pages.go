package app

import (
	"errors"
	"net/url"
	"strconv"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/fiberfn/fiberfn/fiberfn/htmx"
	"github.com/gofiber/fiber/v2"
)

// registerPages adds the page routes. They run behind the fiberfn plugin,
// so fiberfn.Response and fiberfn.Redirect work in them as in server
// functions.
func (a *App) registerPages() {
	a.Fiber.Get("/", a.indexPage)
	a.Fiber.Get("/login", a.loginPage)
	a.Fiber.Get("/signup", a.signupPage)
	a.Fiber.Get("/settings", a.settingsPage)
	a.Fiber.Get("/import", a.importPage)
	a.Fiber.Get("/tasks/:id/edit", a.taskRowPage(true))
	a.Fiber.Get("/tasks/:id", a.taskRowPage(false))
	a.Fiber.Use(a.notFoundPage) // last: anything no route took
}

// page returns the common part of a page for the request. Call it only
// when the page is about to render: it consumes the one-time notice.
func (a *App) page(c *fiber.Ctx, title, nav string) *Page {
	u, _ := fiberfn.UseContext[*User](c)
	a.throttledPage(c)
	return &Page{Title: title, Nav: nav, User: u, HTMXScript: a.htmxScript, Notice: fiberfn.Notice(c)}
}

// throttledPage makes the page a 429 with Retry-After when it shows a form
// whose plain post was just throttled (the post's redirect brought the
// message here in fiberfn's flash): browsers without JavaScript and htmx
// full-page requests, which follow that redirect, end on a 429 as JSON and
// htmx partial callers do.
func (a *App) throttledPage(c *fiber.Ctx) {
	wait, ok, err := a.throttle.flashRetry(c, fiberfn.Flash(c))
	if err != nil {
		a.logger.Warn("demo: the wait of a throttled form", "err", err)
		return
	}
	if ok {
		fiberfn.Response(c).SetStatus(fiber.StatusTooManyRequests)
		fiberfn.Response(c).InsertHeader(fiber.HeaderRetryAfter, strconv.Itoa(retrySeconds(wait)))
	}
}

// loginURL is the login page that comes back to next afterwards.
func loginURL(next string) string {
	return "/login?next=" + url.QueryEscape(SafeNext(next))
}

// indexQuery is what the home page reads from its URL.
type indexQuery struct {
	Filter string `query:"filter"`
	// Edit is the task whose row is shown in edit mode (the Rename link
	// without JavaScript).
	Edit int64 `query:"edit"`
	// Q is the search of the task titles ("": the whole list).
	Q string `query:"q"`
}

// errBadCursor answers a page cursor (before, down_to) that is no task id.
var errBadCursor = fiber.NewError(fiber.StatusBadRequest, "That page of the list does not exist: the page cursor must be a task id, a whole number from 1.")

// cursorParam reads the page cursor name from the URL: 0 when absent, an
// error unless it is a whole number from 1 (a task id). Any id will do,
// the user's or not: the list shows the user's tasks older than it.
func cursorParam(c *fiber.Ctx, name string) (int64, error) {
	raw := c.Query(name)
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n <= 0 {
		return 0, errBadCursor
	}
	return n, nil
}

// listQueryOf reads the part of the list the request asks for: ?before=ID
// (the page of the tasks older than ID: the Older tasks link, the Load
// more button) and ?down_to=ID (every row down to ID: the live list's
// refetch, public/js/live.js).
func listQueryOf(c *fiber.Ctx) (listQuery, error) {
	before, err := cursorParam(c, "before")
	if err != nil {
		return listQuery{}, err
	}
	downTo, err := cursorParam(c, "down_to")
	if err != nil {
		return listQuery{}, err
	}
	return listQuery{Before: before, DownTo: downTo}, nil
}

// taskPageTemplate is the answer of the home page to htmx partial
// requests (the Load more button): the page's rows, to append to the
// list, with the pager and the summary out of band.
const taskPageTemplate = "partials/task_page"

func (a *App) indexPage(c *fiber.Ctx) error {
	u, err := CurrentUser(c)
	if err != nil {
		return err
	}
	if u == nil {
		return c.Render("index", a.page(c, "Welcome", "tasks"))
	}
	q, err := fiberfn.Extract[indexQuery](c)
	if err != nil {
		return err
	}
	lq, err := listQueryOf(c)
	if err != nil {
		return err
	}
	f := ParseFilter(q.Filter)
	var refused *fiberfn.Error
	if lq.Search, err = ParseSearch(q.Q); err != nil {
		if !errors.As(err, &refused) {
			return err
		}
		lq = listQuery{} // the first page of the list, with the message
	}
	tasks, err := buildTaskList(fiberfn.ExpectContext[*Store](c), u, f, lq, q.Edit, fiberfn.Flash(c))
	if err != nil {
		return err
	}
	if refused != nil {
		tasks.Search = &TaskSearch{Q: q.Q, Filter: f, Error: refused.Message}
		return a.answerList(c, u, tasks, refused.Code)
	}
	return a.answerList(c, u, tasks, fiber.StatusOK)
}

// answerList answers GET / with the task section l, for every kind of
// caller, with the HTTP status:
//   - JSON clients get l as JSON (a refused search: {"error": ...});
//   - htmx partial requests aimed at the section (#tasks: the search
//     form) get the section alone, with the search's status out of band;
//   - other htmx partial requests (Load more) get the page's rows, to
//     append to the list, with the pager (the next Load more, or none)
//     and the counts out of band; the page stays the first (its URL is
//     not pushed): no link back;
//   - everyone else (no JavaScript, boosted, htmx 4 full page, history
//     restore) gets the whole page.
func (a *App) answerList(c *fiber.Ctx, u *User, l *TaskList, status int) error {
	if status != fiber.StatusOK {
		fiberfn.Response(c).SetStatus(status)
	}
	if fiberfn.WantsJSON(c) {
		if l.Search != nil && l.Search.Error != "" {
			return c.Status(status).JSON(fiber.Map{"error": l.Search.Error, "fields": fiber.Map{"q": "is not valid"}})
		}
		return c.Status(status).JSON(l)
	}
	if fiberfn.WantsFragment(c) {
		if htmx.TargetID(c) == searchTarget {
			if l.Search == nil {
				// An emptied search field: the URL pushed is the
				// list's own, not /?q=.
				htmx.PushURL(c, pageURL(l.Filter, 0))
			}
			fiberfn.OutOfBand(c, searchStatusTemplate, l.Search)
			return c.Render(taskListTemplate, l, "")
		}
		l.Pager.Newest = ""
		if l.Search != nil {
			// The results' status says what was added.
			l.Search.Appended = true
			fiberfn.OutOfBand(c, searchStatusTemplate, l.Search)
		}
		fiberfn.OutOfBand(c, "partials/task_pager", l.Pager)
		fiberfn.OutOfBand(c, "partials/task_summary", l.Summary)
		return c.Render(taskPageTemplate, l, "")
	}
	title := filterTitle(l.Filter)
	if l.Search != nil && l.Search.Error == "" {
		title = searchTitle(l.Filter, l.Search.Q)
	}
	p := a.page(c, title, "tasks")
	p.Tasks = l
	p.Live = a.liveSub(c.UserContext(), u.ID)
	return c.Render("index", p)
}

// filterTitle is the page title of the task list under filter f, one
// for each filter, so that tabs, history and screen readers tell them
// apart.
func filterTitle(f Filter) string {
	switch f {
	case FilterOpen:
		return "Open tasks"
	case FilterDone:
		return "Done tasks"
	}
	return "Your tasks"
}

// taskRowQuery is what the row routes read from their URL.
type taskRowQuery struct {
	ID     int64  `params:"id"`
	Filter string `query:"filter"`
}

// taskRowPage serves GET /tasks/:id/edit (edit true: the Rename link) and
// GET /tasks/:id (Cancel): htmx partial requests get the task's row alone,
// in edit or view mode, to swap in place of the row; anyone else is sent to
// the list with that row in that mode (/?edit=ID#task-ID), the page the
// links lead to without JavaScript.
func (a *App) taskRowPage(edit bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, err := CurrentUser(c)
		if err != nil {
			return err
		}
		if u == nil {
			if fiberfn.WantsFragment(c) { // a link of a logged-in page
				fiberfn.Notify(c, msgSessionEnded)
			}
			return fiberfn.Redirect(c, loginURL(c.OriginalURL()))
		}
		q, err := fiberfn.Extract[taskRowQuery](c)
		if err != nil || q.ID <= 0 {
			return fiber.ErrNotFound
		}
		f := requestFilter(c, q.Filter)
		if !fiberfn.WantsFragment(c) {
			editID := int64(0)
			if edit {
				editID = q.ID
			}
			return fiberfn.Redirect(c, returnURL(c, f, editID, q.ID))
		}
		t, err := fiberfn.ExpectContext[*Store](c).Task(u.ID, q.ID)
		if errors.Is(err, ErrNotFound) {
			// Deleted meanwhile (another tab): the message goes to the
			// error slot, not in place of the row, and the stale row
			// goes (as after a toggle or delete of a task that is gone).
			htmx.Retarget(c, taskErrorTarget)
			htmx.Reswap(c, "innerHTML")
			fiberfn.Response(c).SetStatus(fiber.StatusNotFound)
			return c.Render(taskErrorTemplate, &fiberfn.FormState{Status: fiber.StatusNotFound, Message: errNoTask.Message,
				Values: map[string]string{"id": strconv.FormatInt(q.ID, 10)}}, "")
		}
		if err != nil {
			return err
		}
		if edit {
			return c.Render("partials/task_edit", editState(t, f), "")
		}
		return c.Render("partials/task_item", newRow(t, f), "")
	}
}

func (a *App) loginPage(c *fiber.Ctx) error {
	u, err := CurrentUser(c)
	if err != nil {
		return err
	}
	next := SafeNext(c.Query("next"))
	if u != nil {
		return fiberfn.Redirect(c, next)
	}
	p := a.page(c, "Log in", "login")
	p.Form = Login.Form(c, map[string]string{"next": next})
	return c.Render("login", p)
}

func (a *App) signupPage(c *fiber.Ctx) error {
	u, err := CurrentUser(c)
	if err != nil {
		return err
	}
	if u != nil {
		return fiberfn.Redirect(c, "/")
	}
	p := a.page(c, "Sign up", "signup")
	p.Form = Signup.Form(c, nil)
	return c.Render("signup", p)
}

func (a *App) settingsPage(c *fiber.Ctx) error {
	u, err := CurrentUser(c)
	if err != nil {
		return err
	}
	if u == nil {
		return fiberfn.Redirect(c, loginURL(c.OriginalURL()))
	}
	p := a.page(c, "Settings", "settings")
	p.Form = ChangePassword.Form(c, nil)
	return c.Render("settings", p)
}

// importPage is the Import tasks page (issue 18): the upload form of
// import_tasks and the region its progress is swapped into.
func (a *App) importPage(c *fiber.Ctx) error {
	u, err := CurrentUser(c)
	if err != nil {
		return err
	}
	if u == nil {
		return fiberfn.Redirect(c, loginURL(c.OriginalURL()))
	}
	p := a.page(c, "Import tasks", "tasks")
	p.Form = ImportTasks.Form(c, nil) // a refused plain post's message
	if a.liveLegacy {
		// htmx 2 follows an import's job with its sse extension.
		p.Scripts = []string{a.Assets.URL("vendor/htmx-ext-sse-2.2.4/sse.js"), a.Assets.URL("js/sse-resume.js")}
	} else {
		// htmx 4 reads the import's answer as a stream with hx-sse.
		p.Scripts = []string{a.Assets.URL("vendor/htmx-4.0.1/ext/hx-sse.js")}
	}
	return c.Render("import", p)
}

// notFoundPage renders the 404 page; its status goes through the
// response options of fiberfn, like any page's would.
func (a *App) notFoundPage(c *fiber.Ctx) error {
	if _, err := CurrentUser(c); err != nil {
		return err
	}
	fiberfn.Response(c).SetStatus(fiber.StatusNotFound)
	p := a.page(c, "Page not found", "")
	p.Path = c.Path()
	return c.Render("404", p)
}
