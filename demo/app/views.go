package app

import (
	"net/url"
	"strconv"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/fiberfn/fiberfn/fiberfn/htmx"
	"github.com/gofiber/fiber/v2"
)

// Page is the binding of every full page. The layout reads Title, Nav,
// User, HTMXScript and Notice; each page reads its own fields.
type Page struct {
	// Title is the page's <title> and heading.
	Title string
	// Nav is the navigation item of the page ("tasks", "settings",
	// "login", "signup"), marked aria-current.
	Nav string
	// User is the logged-in user, or nil.
	User *User
	// HTMXScript is the URL of the htmx build the page loads.
	HTMXScript string
	// Notice is a one-time success message.
	Notice string
	// Form is the state of the page's form (login, sign-up, password):
	// the failed submission carried over by fiberfn.Flash, or a fresh
	// state holding the form's initial values.
	Form *fiberfn.FormState
	// Tasks is the task section of the home page.
	Tasks *TaskList
	// Live is the subscription of a task page to its user's changes, or
	// nil (live.go).
	Live *LiveSub
	// Scripts are the URLs of the page's own scripts, loaded in order
	// after htmx.
	Scripts []string
	// Path is the path of a page that does not exist (404).
	Path string
}

// TaskList is the task section of the home page (and what clear
// completed re-renders for htmx callers): the add form, the error slot,
// the summary (counts, filters, clear completed) and the filtered rows.
type TaskList struct {
	Filter  Filter       `json:"filter"`
	Counts  Counts       `json:"counts"`
	Tasks   []TaskRow    `json:"tasks"`
	Summary *TaskSummary `json:"-"`
	// AddForm is the state of the add form.
	AddForm *fiberfn.FormState `json:"-"`
	// Error is the message of a failed toggle, delete or clear after a
	// plain (no-JavaScript) post; HTMX callers get it swapped in.
	Error string `json:"-"`
	// Search is the search the rows answer, or nil for the whole list.
	Search *TaskSearch `json:"search,omitempty"`
	// Pager links the list to its older page and back to its first.
	Pager *TaskPager `json:"pager"`
}

// TaskPager is what follows the rows: the link to the next (older) page
// of the list and, on a later page reached without JavaScript, the link
// back to the first. Its template's element has the stable id
// "task-pager"; the answer of "Load more" replaces it out of band.
type TaskPager struct {
	// Older is the URL of the next page ("" on the last page): the list
	// before the last row shown (?before=ID).
	Older string `json:"older,omitempty"`
	// Newest is the URL of the first page, on a later one ("" on the
	// first).
	Newest string `json:"newest,omitempty"`
	// Through is the lowest task id the rows cover: every task of the
	// filter with an id from Through up to the page's cursor is shown.
	// public/js/live.js leaves the loaded rows below it alone.
	Through int64 `json:"through"`
}

// TaskRow is one row of the list. It is flat (no embedded Task): the
// templates read its fields by name on every row, and text/template finds
// fields of an embedded struct slowly.
type TaskRow struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
	Done  bool   `json:"done"`
	// F is the list's filter, which the row's links keep ("open",
	// "done"), empty for the whole list.
	F string `json:"-"`
	// Edit is the state of the row's rename form when the row is shown in
	// edit mode (?edit=ID, or a failed rename), else nil.
	Edit *fiberfn.FormState `json:"-"`
}

// TaskSummary is what follows the list out of band: the counts, the
// filter links with their counts, "clear completed" and the message of an
// empty list. Its template's first element has the stable id
// "task-summary".
type TaskSummary struct {
	Filter  Filter
	Counts  Counts
	Filters []FilterLink
}

// Empty reports whether the filtered list has no task.
func (s *TaskSummary) Empty() bool {
	switch s.Filter {
	case FilterOpen:
		return s.Counts.Open == 0
	case FilterDone:
		return s.Counts.Done == 0
	}
	return s.Counts.Total() == 0
}

// FilterLink is one of the filter links above the list.
type FilterLink struct {
	Label   string
	URL     string
	Count   int
	Current bool
}

// TaskResult is the result of the add, toggle, rename and delete
// functions: JSON callers get the task (or the deleted id) and the counts;
// htmx callers get Row rendered (nothing when the task left the list's
// filter or was deleted) with the summary out of band.
//
// When the task turned out to be gone (deleted elsewhere), the answer is
// a 404 that still corrects the page: Gone is its id and Error the
// message; htmx callers get the message in the error slot, the row's
// removal and the summary out of band (see goneTask).
type TaskResult struct {
	Task    *Task  `json:"task,omitempty"`
	Deleted int64  `json:"deleted,omitempty"`
	Gone    int64  `json:"gone,omitempty"`
	Error   string `json:"error,omitempty"`
	Counts  Counts `json:"counts"`
	// Row is the task's row as the list shows it, or nil.
	Row *TaskRow `json:"-"`
	// GoneRow is the error of a task that is gone, for partials/task_error.
	GoneRow *fiberfn.FormState `json:"-"`
}

// rowFilter is the filter as rows keep it in their links: empty for all.
func rowFilter(f Filter) string {
	if f == FilterAll {
		return ""
	}
	return string(f)
}

// listURL is the home page with the filter, with the row of task edit in
// edit mode when edit > 0, scrolled to the row of task at when at > 0.
func listURL(f Filter, edit, at int64) string {
	u, sep := "/", "?"
	if f != FilterAll {
		u, sep = "/?filter="+string(f), "&"
	}
	if edit > 0 {
		u += sep + "edit=" + strconv.FormatInt(edit, 10)
	}
	if at > 0 {
		u += "#task-" + strconv.FormatInt(at, 10)
	}
	return u
}

// pageURL is the page of the list under filter f that shows the tasks
// older than task before (the first page when before is 0).
func pageURL(f Filter, before int64) string {
	u := listURL(f, 0, 0)
	if before <= 0 {
		return u
	}
	if f == FilterAll {
		return u + "?before=" + strconv.FormatInt(before, 10)
	}
	return u + "&before=" + strconv.FormatInt(before, 10)
}

// newRow returns the row of t in a list filtered by f.
func newRow(t Task, f Filter) *TaskRow {
	return &TaskRow{ID: t.ID, Title: t.Title, Done: t.Done, F: rowFilter(f)}
}

// editState is the fresh state of the rename form of t.
func editState(t Task, f Filter) *fiberfn.FormState {
	return &fiberfn.FormState{Fn: fnRenameTask, Values: map[string]string{
		"id": strconv.FormatInt(t.ID, 10), "title": t.Title, "filter": string(f)}}
}

// inFilter reports whether a task that is done (or not) is listed under f.
func inFilter(f Filter, done bool) bool {
	return f == FilterAll || f == FilterDone && done || f == FilterOpen && !done
}

// newSummary returns the summary of a list with counts n under filter f.
func newSummary(f Filter, n Counts) *TaskSummary {
	return &TaskSummary{Filter: f, Counts: n, Filters: []FilterLink{
		{Label: "All", URL: "/", Count: n.Total(), Current: f == FilterAll},
		{Label: "Open", URL: "/?filter=open", Count: n.Open, Current: f == FilterOpen},
		{Label: "Done", URL: "/?filter=done", Count: n.Done, Current: f == FilterDone},
	}}
}

// requestFilter is the filter of the list the request came from: the one
// the form sent, else the one in the page's URL (HX-Current-URL, which htmx
// sends with every request, or the Referer), else FilterAll.
func requestFilter(c *fiber.Ctx, sent string) Filter {
	if sent != "" {
		return ParseFilter(sent)
	}
	page := htmx.CurrentURL(c)
	if page == "" {
		page = c.Get(fiber.HeaderReferer)
	}
	if u, err := url.Parse(page); err == nil {
		return ParseFilter(u.Query().Get("filter"))
	}
	return FilterAll
}

// PageSize is the number of rows a page of the task list shows.
const PageSize = 50

// MaxRefetchRows bounds the rows of one refetch of the live list
// (?down_to=ID, see listQuery): a page that has loaded more rows keeps
// the older ones as they are.
const MaxRefetchRows = 20 * PageSize

// listQuery is the part of the list the home page shows: a page of
// PageSize rows older than Before (0: from the newest), or, for the live
// list's refetch, every row down to DownTo (at most MaxRefetchRows).
type listQuery struct {
	Before, DownTo int64
	// Search is the search of the titles the list answers (empty: the
	// whole list); it pages the same way.
	Search SearchQuery
}

// read returns the part of the user's list under filter f that q shows:
// a page of the list, or of the search's results.
func (q listQuery) read(store *Store, userID int64, f Filter) (TaskPage, error) {
	if q.Search.Empty() {
		return store.TasksPage(userID, f, q.taskRange())
	}
	return store.SearchPage(userID, q.Search, f, q.taskRange())
}

// url is the URL of the page of the list (or of the search's results)
// under filter f with the tasks older than before (0: the first page).
func (q listQuery) url(f Filter, before int64) string {
	if q.Search.Empty() {
		return pageURL(f, before)
	}
	return searchURL(f, q.Search.Text, before)
}

// taskRange is the range of the store's list that q shows.
func (q listQuery) taskRange() TaskRange {
	if q.DownTo > 0 {
		return TaskRange{From: q.DownTo, Before: q.Before, Limit: MaxRefetchRows}
	}
	return TaskRange{Before: q.Before, Limit: PageSize}
}

// buildTaskList reads the user's tasks that the filter shows in the part
// of the list q asks for and the list's counts (one row, kept by the
// database; see Store.Counts) and builds the section for the filter.
// edit is the id of the row shown in edit mode (0: none); flash is the
// failed plain form post to show, or nil.
func buildTaskList(store *Store, u *User, filter Filter, q listQuery, edit int64, flash *fiberfn.FormState) (*TaskList, error) {
	counts, err := store.Counts(u.ID)
	if err != nil {
		return nil, err
	}
	page, err := q.read(store, u.ID, filter)
	if err != nil {
		return nil, err
	}
	if edit > 0 && q.Before == 0 && q.DownTo == 0 && page.More && edit < page.Through {
		// The row to edit (the Rename link without JavaScript, which
		// does not know the page it came from) is on a later page: show
		// the page that starts with it.
		q.Before = edit + 1
		if page, err = q.read(store, u.ID, filter); err != nil {
			return nil, err
		}
	}
	shown := page.Tasks
	l := &TaskList{Filter: filter, Counts: counts, Tasks: make([]TaskRow, 0, len(shown)),
		Pager: &TaskPager{Through: page.Through}}
	if page.More && len(shown) > 0 {
		l.Pager.Older = q.url(filter, shown[len(shown)-1].ID)
	}
	if q.Before > 0 {
		l.Pager.Newest = q.url(filter, 0)
	}
	rename := flash.For(fnRenameTask)
	renameID := int64(-1)
	if rename != nil {
		renameID, _ = strconv.ParseInt(rename.Value("id"), 10, 64)
	}
	renameShown := false
	rf := rowFilter(filter)
	for _, t := range shown {
		row := TaskRow{ID: t.ID, Title: t.Title, Done: t.Done, F: rf}
		switch t.ID {
		case renameID:
			row.Edit, renameShown = rename, true
		case edit:
			row.Edit = editState(t, filter)
			if !q.Search.Empty() {
				// Cancel (a link without JavaScript) goes back to the
				// results, not to the whole list.
				row.Edit.Values["back"] = searchURL(filter, q.Search.Text, 0) + "#task-" + strconv.FormatInt(t.ID, 10)
			}
		}
		l.Tasks = append(l.Tasks, row)
	}
	l.Summary = newSummary(filter, l.Counts)
	l.AddForm = flash.For(fnAddTask)
	if l.AddForm == nil {
		l.AddForm = &fiberfn.FormState{Fn: fnAddTask, Values: map[string]string{"filter": string(filter)}}
	}
	for _, fn := range []string{fnToggleTask, fnDeleteTask, fnClearCompleted} {
		if f := flash.For(fn); f != nil {
			l.Error = f.Message
		}
	}
	if rename != nil && !renameShown {
		l.Error = rename.Message
	}
	if !q.Search.Empty() {
		l.Search = &TaskSearch{Q: q.Search.Text, Filter: filter, Count: len(shown), More: l.Pager.Older, Later: q.Before > 0}
		keepSearch(l, q.Search.Text)
	}
	return l, nil
}

// LiveSub is how a task page subscribes to its user's task changes: the
// stream's URL and the scripts that read it (the htmx extension for the
// page's htmx version, and public/js/live.js).
type LiveSub struct {
	// URL is the stream (LivePath, resuming from the page's position).
	URL string
	// Legacy is true for htmx 2 (sse-connect), false for htmx 4
	// (hx-sse:connect).
	Legacy bool
	// Scripts are the URLs of the scripts to load, in order.
	Scripts []string
}
