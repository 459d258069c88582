package app

import (
	"strconv"

	"github.com/fiberfn/fiberfn/fiberfn"
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
	// Path is the path of a page that does not exist (404).
	Path string
}

// TaskList is the task section of the home page and the fragment every
// task function renders for HTMX callers: the add form, the counts and
// filters, and the filtered tasks.
type TaskList struct {
	Filter  Filter       `json:"filter"`
	Counts  Counts       `json:"counts"`
	Tasks   []TaskItem   `json:"tasks"`
	Filters []FilterLink `json:"-"`
	// AddForm is the state of the add form.
	AddForm *fiberfn.FormState `json:"-"`
	// Error is the message of a failed toggle, delete or clear after a
	// plain (no-JavaScript) post; HTMX callers get it swapped in.
	Error string `json:"-"`
	// OOB marks the parts around the list (add form, error slot,
	// summary, footer) as out-of-band updates (hx-swap-oob="true") in
	// the answer of a function that changed one task.
	OOB bool `json:"-"`
}

// TaskItem is a task with the state of its rename form.
type TaskItem struct {
	Task
	// Filter is the list's filter, which the item's forms send along so
	// the answer keeps it.
	Filter Filter `json:"-"`
	// Rename is the state of the task's rename form.
	Rename *fiberfn.FormState `json:"-"`
}

// FilterLink is one of the filter links above the list.
type FilterLink struct {
	Label   string
	URL     string
	Count   int
	Current bool
}

// buildTaskList reads the user's tasks once and builds the section for
// the filter. flash is the failed plain form post to show, or nil.
func buildTaskList(store *Store, u *User, filter Filter, flash *fiberfn.FormState) (*TaskList, error) {
	all, err := store.Tasks(u.ID, FilterAll)
	if err != nil {
		return nil, err
	}
	fv := string(filter)
	l := &TaskList{Filter: filter, Tasks: []TaskItem{}}
	rename := flash.For(fnRenameTask)
	renameShown := false
	for _, t := range all {
		if t.Done {
			l.Counts.Done++
		} else {
			l.Counts.Open++
		}
		if filter == FilterOpen && t.Done || filter == FilterDone && !t.Done {
			continue
		}
		id := strconv.FormatInt(t.ID, 10)
		st := &fiberfn.FormState{Fn: fnRenameTask, Values: map[string]string{"id": id, "title": t.Title, "filter": fv}}
		if rename != nil && rename.Value("id") == id {
			st, renameShown = rename, true
		}
		l.Tasks = append(l.Tasks, TaskItem{Task: t, Filter: filter, Rename: st})
	}
	l.Filters = []FilterLink{
		{Label: "All", URL: "/", Count: l.Counts.Total(), Current: filter == FilterAll},
		{Label: "Open", URL: "/?filter=open", Count: l.Counts.Open, Current: filter == FilterOpen},
		{Label: "Done", URL: "/?filter=done", Count: l.Counts.Done, Current: filter == FilterDone},
	}
	l.AddForm = flash.For(fnAddTask)
	if l.AddForm == nil {
		l.AddForm = &fiberfn.FormState{Fn: fnAddTask, Values: map[string]string{"filter": fv}}
	}
	for _, fn := range []string{fnToggleTask, fnDeleteTask, fnClearCompleted} {
		if f := flash.For(fn); f != nil {
			l.Error = f.Message
		}
	}
	if rename != nil && !renameShown {
		l.Error = rename.Message
	}
	return l, nil
}

// TaskChange is what the add, toggle, rename and delete functions answer:
// the one row they changed, and the state of the rest of the section
// (counts, filter links, "clear completed", the empty-list message) for
// the out-of-band updates of htmx callers. A row that leaves the list
// (deleted, or no longer in the list's filter) has a nil Item.
type TaskChange struct {
	// ID is the task's id.
	ID int64 `json:"id"`
	// Item is the task's row as it is now, or nil when the list no
	// longer shows it.
	Item *TaskItem `json:"task,omitempty"`
	// Counts are the user's open and done tasks after the change.
	Counts Counts `json:"counts"`
	// Added marks the answer of add_task: the add form comes back
	// fresh.
	Added bool `json:"-"`
	// List is the section after the change (its Tasks are the filtered
	// list, for the empty-list message).
	List *TaskList `json:"-"`
}

// buildTaskChange reads the user's list after a change to the task id.
func buildTaskChange(store *Store, u *User, filter Filter, id int64) (*TaskChange, error) {
	l, err := buildTaskList(store, u, filter, nil)
	if err != nil {
		return nil, err
	}
	l.OOB = true
	ch := &TaskChange{ID: id, Counts: l.Counts, List: l}
	for i := range l.Tasks {
		if l.Tasks[i].ID == id {
			ch.Item = &l.Tasks[i]
			break
		}
	}
	return ch, nil
}
