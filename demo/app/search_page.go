package app

import (
	"net/url"
	"strconv"

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
	// More is the URL of the next page of results ("" on the last), as
	// the list's pager links it.
	More string `json:"more,omitempty"`
	// Error is the message of a query that was refused (400).
	Error string `json:"error,omitempty"`
	// Later is true on a page of results after the first (?before=ID,
	// without JavaScript).
	Later bool `json:"-"`
	// Appended is true for the rows that Load more adds to those shown.
	Appended bool `json:"-"`
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
	case s.Appended && s.More != "":
		return strconv.Itoa(s.Count) + " older" + kind + "s that match " + quoted + " loaded; more follow."
	case s.Appended:
		return strconv.Itoa(s.Count) + " older" + kind + plural(s.Count) + " that match" + verbS(s.Count) + " " + quoted + " loaded; that is all."
	case s.Later && s.Count == 0:
		return "No older" + kind + " matches " + quoted + "."
	case s.Later && s.More != "":
		return "Older" + kind + "s that match " + quoted + ": " + strconv.Itoa(s.Count) + " shown; more follow."
	case s.Later:
		return "Older" + kind + "s that match " + quoted + ": " + strconv.Itoa(s.Count) + " shown."
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
// pager (Load more, Older tasks) all follow the search. The search field is outside
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

// keepSearch makes the filter links of the list's summary keep the
// search q.
func keepSearch(l *TaskList, q string) {
	keepSearchLinks(l.Summary, q)
}

// keepSearchLinks makes the summary's filter links keep the search q.
func keepSearchLinks(s *TaskSummary, q string) {
	if s == nil || q == "" {
		return
	}
	links := make([]FilterLink, len(s.Filters))
	for i, link := range s.Filters {
		link.URL = searchURL(ParseFilter(filterOfURL(link.URL)), q, 0)
		links[i] = link
	}
	s.Filters = links
}

// requestSearch is the search of the page the request came from (its URL:
// HX-Current-URL, which htmx sends with every request, or the Referer),
// so that the answers of the task functions keep it: the summary's links,
// and the section that clear completed re-renders. None when the page
// searched nothing (or something refused).
func requestSearch(c *fiber.Ctx) SearchQuery {
	page := htmx.CurrentURL(c)
	if page == "" {
		page = c.Get(fiber.HeaderReferer)
	}
	u, err := url.Parse(page)
	if err != nil {
		return SearchQuery{}
	}
	q, err := ParseSearch(u.Query().Get("q"))
	if err != nil {
		return SearchQuery{}
	}
	return q
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

// returnURL is listURL (the list under filter f, with task edit in edit
// mode, at task at) for the page the request came from: with its search,
// when it showed one, so that the Rename link and a rename without
// JavaScript come back to the results, not to the whole list.
func returnURL(c *fiber.Ctx, f Filter, edit, at int64) string {
	q := requestSearch(c)
	if q.Empty() {
		return listURL(f, edit, at)
	}
	u := searchURL(f, q.Text, 0)
	if edit > 0 {
		u += "&edit=" + strconv.FormatInt(edit, 10)
	}
	if at > 0 {
		u += "#task-" + strconv.FormatInt(at, 10)
	}
	return u
}

// plural is the plural ending of a noun for n things: "s" unless n is 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// verbS is the ending of "match" for n things: "es" when n is 1.
func verbS(n int) string {
	if n == 1 {
		return "es"
	}
	return ""
}
