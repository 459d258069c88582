package app

import (
	"errors"
	"net/url"
	"strconv"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/fiberfn/fiberfn/fiberfn/htmx"
	"github.com/gofiber/fiber/v2"
)

// TaskSearch is the search the task list answers (GET /?q=...): what
// the search field holds, what the results' status says, and the link
// to the next page of results.
type TaskSearch struct {
	// Q is the query as typed.
	Q string `json:"q"`
	// Filter is the list's filter the search is limited to.
	Filter Filter `json:"-"`
	// Count is the number of results the page shows.
	Count int `json:"count"`
	// More is the URL of the next page of results ("" on the last).
	More string `json:"more,omitempty"`
	// Error is the message of a query that was refused (400).
	Error string `json:"error,omitempty"`
}

// Status is what the results' live region says: how many tasks match,
// that none does, or why the query was refused.
func (s *TaskSearch) Status() string {
	if s.Error != "" {
		return s.Error
	}
	kind := " task"
	switch s.Filter {
	case FilterOpen:
		kind = " open task"
	case FilterDone:
		kind = " done task"
	}
	quoted := "“" + s.Q + "”"
	switch {
	case s.Count == 0:
		return "No" + kind + " matches " + quoted + "."
	case s.More != "":
		return "The newest " + strconv.Itoa(s.Count) + kind + "s that match " + quoted + " are shown; more follow."
	case s.Count == 1:
		return "1" + kind + " matches " + quoted + "."
	}
	return strconv.Itoa(s.Count) + kind + "s match " + quoted + "."
}

// searchTarget is the element the search form's htmx requests swap: the
// whole task section (partials/tasks), whose rows, summary links and
// "More results" link all follow the search. The search field is outside
// it, so typing goes on undisturbed while results arrive.
const searchTarget = "tasks"

// searchStatusTemplate is the results' live region (role="status"), in
// the search form; htmx callers get it out of band with the section.
const searchStatusTemplate = "partials/search_status"

// searchURL is the home page searching q under filter f, from the tasks
// older than before (0: the newest).
func searchURL(f Filter, q string, before int64) string {
	v := url.Values{}
	v.Set("q", q)
	if f != FilterAll {
		v.Set("filter", string(f))
	}
	if before > 0 {
		v.Set("before", strconv.FormatInt(before, 10))
	}
	return "/?" + v.Encode()
}

// errBadSearchCursor answers a before that is no task id.
var errBadSearchCursor = &fiberfn.Error{Code: fiber.StatusBadRequest,
	Message: "That page of results does not exist: before must be a task id, a whole number from 1.", Fields: map[string]string{"before": "is not valid"}}

// searchCursor reads ?before=ID, the page of results older than task ID
// (0 when absent).
func searchCursor(c *fiber.Ctx) (int64, error) {
	raw := c.Query("before")
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n <= 0 {
		return 0, errBadSearchCursor
	}
	return n, nil
}

// buildSearchList is the task section showing one page of the user's
// tasks under filter f that match q, newest first, older than before (0:
// from the newest), with the counts of the whole list and links that keep
// the search.
func buildSearchList(store *Store, u *User, f Filter, q SearchQuery, before, edit int64, flash *fiberfn.FormState) (*TaskList, error) {
	counts, err := store.Counts(u.ID)
	if err != nil {
		return nil, err
	}
	found, more, err := store.SearchTasks(u.ID, q, f, before)
	if err != nil {
		return nil, err
	}
	l := newTaskList(f, counts, found, edit, flash)
	l.Search = &TaskSearch{Q: q.Text, Filter: f, Count: len(found)}
	if more {
		l.Search.More = searchURL(f, q.Text, found[len(found)-1].ID)
	}
	keepSearch(l, q.Text)
	return l, nil
}

// keepSearch makes the filter links of the list's summary keep the
// search q.
func keepSearch(l *TaskList, q string) {
	if l.Summary == nil {
		return
	}
	links := make([]FilterLink, len(l.Summary.Filters))
	for i, link := range l.Summary.Filters {
		link.URL = searchURL(ParseFilter(filterOfURL(link.URL)), q, 0)
		links[i] = link
	}
	l.Summary.Filters = links
}

// filterOfURL is the filter named in a list URL's query.
func filterOfURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Query().Get("filter")
}

// searchTitle is the page title of a search.
func searchTitle(f Filter, q string) string {
	return filterTitle(f) + " matching “" + q + "”"
}

// answerList answers GET / with the task section l for every kind of
// caller: JSON clients get l as JSON; the search form's htmx requests
// (target #tasks) the section alone, with the results' status out of
// band; everyone else (no JavaScript, boosted, htmx 4 full page, history
// restore) the whole page. status is the answer's HTTP status.
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
	if fiberfn.WantsFragment(c) && htmx.TargetID(c) == searchTarget {
		fiberfn.OutOfBand(c, searchStatusTemplate, l.Search)
		return c.Render(taskListTemplate, l, "")
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

// searchPage is GET / with a search (?q=...), or with a query that was
// refused (too long, too many words, a bad cursor): the 400 page shows
// the whole list with the message where the results' status goes.
func (a *App) searchPage(c *fiber.Ctx, u *User, f Filter, text string, edit int64) error {
	store := fiberfn.ExpectContext[*Store](c)
	q, err := ParseSearch(text)
	var before int64
	if err == nil {
		before, err = searchCursor(c)
	}
	var fe *fiberfn.Error
	if errors.As(err, &fe) {
		l, err := buildTaskList(store, u, f, edit, fiberfn.Flash(c))
		if err != nil {
			return err
		}
		l.Search = &TaskSearch{Q: text, Filter: f, Error: fe.Message}
		return a.answerList(c, u, l, fe.Code)
	}
	if err != nil {
		return err
	}
	var l *TaskList
	if q.Empty() {
		l, err = buildTaskList(store, u, f, edit, fiberfn.Flash(c))
	} else {
		l, err = buildSearchList(store, u, f, q, before, edit, fiberfn.Flash(c))
	}
	if err != nil {
		return err
	}
	return a.answerList(c, u, l, fiber.StatusOK)
}
