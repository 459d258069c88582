package app

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/fiberfn/fiberfn/fiberfn/htmx"
	"github.com/gofiber/fiber/v2"
)

// taskRowTemplate is the fragment htmx callers of add, toggle, rename and
// delete get: the task's row alone (nothing when the task was deleted or
// left the list's filter). The summary and the error slot follow out of
// band (see changed).
const taskRowTemplate = "partials/task_result"

// taskListTemplate is what clear completed re-renders for htmx callers:
// the whole task section (it may remove many rows; it is rare).
const taskListTemplate = "partials/tasks"

// taskErrorTemplate is the error fragment of toggle and delete: the
// message for the error slot and, when the task is gone (404), the
// removal of its stale row.
const taskErrorTemplate = "partials/task_error"

// taskErrorTarget is where the errors of the task buttons (toggle, delete,
// clear) land for htmx callers: the error slot of the task section.
const taskErrorTarget = "#task-errors"

// Names of the task server functions. The task list refers to its forms by
// name rather than through the handles below: a function that renders the
// list cannot refer to its own handle (an initialization cycle).
const (
	fnAddTask        = "add_task"
	fnRenameTask     = "rename_task"
	fnToggleTask     = "toggle_task"
	fnDeleteTask     = "delete_task"
	fnClearCompleted = "clear_completed"
)

// The task server functions. Each needs a logged-in user (the loggedIn
// guard). htmx callers get only the row that changed, with the summary
// (counts, filters, clear completed) and an empty error slot out of band;
// add also gets a fresh add form. Adding is once-only: a double click, a
// double Enter or a retry adds one task. Every write counts against the
// user's write rate (limitWrites, before anything is decoded or claimed),
// and an add against the user's task quota.
var (
	AddTask = fiberfn.Register(fnAddTask, addTask, fiberfn.Guard(loggedIn, limitWrites), fiberfn.OnceOnly(), fiberfn.Render(taskRowTemplate),
		fiberfn.ErrorTemplate("partials/add_form"), fiberfn.ErrorTarget(formErrorTarget, "outerHTML"))
	RenameTask = fiberfn.Register(fnRenameTask, renameTask, fiberfn.Guard(loggedIn, limitWrites), fiberfn.Render(taskRowTemplate),
		fiberfn.ErrorTemplate("partials/task_edit"), fiberfn.ErrorTarget("closest li", "outerHTML"))
	ToggleTask = fiberfn.Register(fnToggleTask, toggleTask, fiberfn.Guard(loggedIn, limitWrites), fiberfn.Render(taskRowTemplate),
		fiberfn.ErrorTemplate(taskErrorTemplate), fiberfn.ErrorTarget(taskErrorTarget, "innerHTML"))
	DeleteTask = fiberfn.Register(fnDeleteTask, deleteTask, fiberfn.Guard(loggedIn, limitWrites), fiberfn.Render(taskRowTemplate),
		fiberfn.ErrorTemplate(taskErrorTemplate), fiberfn.ErrorTarget(taskErrorTarget, "innerHTML"))
	ClearCompleted = fiberfn.Register(fnClearCompleted, clearCompleted, fiberfn.Guard(loggedIn, limitWrites), fiberfn.Render(taskListTemplate),
		fiberfn.ErrorTarget(taskErrorTarget, "innerHTML"))
)

// AddTaskInput is the add form.
type AddTaskInput struct {
	Title  string `form:"title" json:"title"`
	Filter string `form:"filter" json:"filter"`
}

// TaskInput names one task.
type TaskInput struct {
	ID     int64  `form:"id" json:"id"`
	Filter string `form:"filter" json:"filter"`
}

// ToggleInput marks a task done or open. It carries the wanted state, not
// "flip", so a double submit does no harm.
type ToggleInput struct {
	ID     int64  `form:"id" json:"id"`
	Done   bool   `form:"done" json:"done"`
	Filter string `form:"filter" json:"filter"`
}

// RenameInput is the rename form of a task.
type RenameInput struct {
	ID     int64  `form:"id" json:"id"`
	Title  string `form:"title" json:"title"`
	Filter string `form:"filter" json:"filter"`
}

// ClearInput is the clear-completed form.
type ClearInput struct {
	Filter string `form:"filter" json:"filter"`
}

// errNoTask answers a task id that does not exist or is another user's.
var errNoTask = &fiberfn.Error{Code: http.StatusNotFound, Message: "That task does not exist (any more)."}

// errNoID answers a missing task id.
var errNoID = &fiberfn.Error{Code: http.StatusBadRequest, Message: "Which task? The task id is missing.", Fields: map[string]string{"id": "is required"}}

func taskErr(err error) error {
	if errors.Is(err, ErrNotFound) {
		return errNoTask
	}
	return err
}

// StaleEvent is the htmx event (HX-Trigger) of an answer that found its
// task gone: the page is out of date around the row too, and
// public/js/live.js refetches the list's view on it.
const StaleEvent = "tasks:stale"

// goneTask answers a toggle, rename or delete whose task id turned out to
// be gone (deleted in another tab, or never the user's): a 404 that still
// corrects the page. JSON callers get the message, the id and the counts;
// htmx callers get the message in the error slot, the row removed and the
// summary with the right counts out of band, and StaleEvent, on which
// live.js refetches the rows around it. A plain form post gets the error
// (the page it is sent back to is read afresh).
func goneTask(c *fiber.Ctx, u *User, id int64, filter string, err error) (*TaskResult, error) {
	if !errors.Is(err, ErrNotFound) || !showsAnswer(c) {
		return nil, taskErr(err)
	}
	n, err := fiberfn.ExpectContext[*Store](c).Counts(u.ID)
	if err != nil {
		return nil, err
	}
	fiberfn.Response(c).SetStatus(errNoTask.Code)
	r := &TaskResult{Gone: id, Error: errNoTask.Message, Counts: n}
	if fiberfn.WantsFragment(c) {
		r.GoneRow = &fiberfn.FormState{Status: errNoTask.Code, Message: errNoTask.Message,
			Values: map[string]string{"id": strconv.FormatInt(id, 10)}}
		htmx.Retarget(c, taskErrorTarget)
		htmx.Reswap(c, "innerHTML")
		// As every error answer of fiberfn: its ErrorEvent too.
		if err := htmx.Trigger(c, fiberfn.ErrorEvent, map[string]any{"message": errNoTask.Message, "status": errNoTask.Code}); err != nil {
			return nil, err
		}
		if err := htmx.Trigger(c, StaleEvent, nil); err != nil {
			return nil, err
		}
		fiberfn.OutOfBand(c, "partials/task_summary", newSummary(requestFilter(c, filter), n))
	}
	return r, nil
}

// taskList is the result of clear completed: the user's task section as
// it is now.
func taskList(c *fiber.Ctx, u *User, filter string) (*TaskList, error) {
	return buildTaskList(fiberfn.ExpectContext[*Store](c), u, requestFilter(c, filter), listQuery{}, 0, nil)
}

// showsAnswer reports whether the caller shows what a task function
// returns: an htmx fragment or JSON. A plain form post is redirected back
// to the page, which reads the list itself, so the functions skip the
// reads that only the answer needs.
func showsAnswer(c *fiber.Ctx) bool {
	return fiberfn.WantsFragment(c) || fiberfn.WantsJSON(c)
}

// changed is the result of a function that changed (or deleted, when
// deleted) task t: its row if the list's filter still shows it, and the
// list's new counts. htmx callers get the summary and an empty error slot
// out of band.
func changed(c *fiber.Ctx, u *User, t Task, filter string, deleted bool) (*TaskResult, error) {
	if !showsAnswer(c) {
		return &TaskResult{}, nil
	}
	n, err := fiberfn.ExpectContext[*Store](c).Counts(u.ID)
	if err != nil {
		return nil, err
	}
	f := requestFilter(c, filter)
	r := &TaskResult{Counts: n}
	if deleted {
		r.Deleted = t.ID
	} else {
		r.Task = &t
		if inFilter(f, t.Done) {
			r.Row = newRow(t, f)
		}
	}
	fiberfn.OutOfBand(c, "partials/task_summary", newSummary(f, n))
	fiberfn.OutOfBand(c, "partials/task_errors", "")
	return r, nil
}

func addTask(c *fiber.Ctx, in AddTaskInput) (*TaskResult, error) {
	u := userOf(c)
	title, problem := cleanTitle(in.Title)
	if problem != "" {
		return nil, fiberfn.FieldErrors{"title": problem}
	}
	if err := checkQuota(c, u); err != nil {
		return nil, err
	}
	t, err := fiberfn.ExpectContext[*Store](c).AddTask(u.ID, title)
	if err != nil {
		return nil, err
	}
	publishChange(c, u, "add")
	r, err := changed(c, u, t, in.Filter, false)
	if err != nil {
		return nil, err
	}
	// A fresh add form: empty, with a new once-only token.
	fiberfn.OutOfBand(c, "partials/add_form", &fiberfn.FormState{Fn: fnAddTask, Values: map[string]string{"filter": string(requestFilter(c, in.Filter))}})
	return r, nil
}

func toggleTask(c *fiber.Ctx, in ToggleInput) (*TaskResult, error) {
	u := userOf(c)
	if in.ID <= 0 {
		return nil, errNoID
	}
	t, err := fiberfn.ExpectContext[*Store](c).SetDoneTask(u.ID, in.ID, in.Done)
	if err != nil {
		return goneTask(c, u, in.ID, in.Filter, err)
	}
	publishChange(c, u, "toggle")
	if !showsAnswer(c) {
		f := requestFilter(c, in.Filter)
		return &TaskResult{}, backToRow(c, u, t.ID, inFilter(f, t.Done), f)
	}
	return changed(c, u, t, in.Filter, false)
}

func renameTask(c *fiber.Ctx, in RenameInput) (*TaskResult, error) {
	u := userOf(c)
	if in.ID <= 0 {
		return nil, errNoID
	}
	title, problem := cleanTitle(in.Title)
	if problem != "" {
		return nil, fiberfn.FieldErrors{"title": problem}
	}
	t, err := fiberfn.ExpectContext[*Store](c).RenameTaskRow(u.ID, in.ID, title)
	if err != nil {
		return goneTask(c, u, in.ID, in.Filter, err)
	}
	publishChange(c, u, "rename")
	if !showsAnswer(c) {
		// A plain post came from the page with the row in edit mode
		// (?edit=ID): back to the list, at the row, in view mode.
		if err := fiberfn.Redirect(c, listURL(requestFilter(c, in.Filter), 0, t.ID)); err != nil {
			return nil, err
		}
	}
	return changed(c, u, t, in.Filter, false)
}

func deleteTask(c *fiber.Ctx, in TaskInput) (*TaskResult, error) {
	u := userOf(c)
	if in.ID <= 0 {
		return nil, errNoID
	}
	err := fiberfn.ExpectContext[*Store](c).DeleteTask(u.ID, in.ID)
	if errors.Is(err, ErrNotFound) && !showsAnswer(c) {
		// A plain post of a task that is gone: a double-clicked Delete
		// without JavaScript (the browser sends both posts and shows the
		// answer to the second), or a page older than a delete in
		// another tab. What was asked for holds: back to the list,
		// quietly. (Another user's task answers the same: nothing to
		// learn.)
		f := requestFilter(c, in.Filter)
		return &TaskResult{}, backToRow(c, u, in.ID, false, f)
	}
	if err != nil {
		return goneTask(c, u, in.ID, in.Filter, err)
	}
	publishChange(c, u, "delete")
	if !showsAnswer(c) {
		return &TaskResult{}, backToRow(c, u, in.ID, false, requestFilter(c, in.Filter))
	}
	return changed(c, u, Task{ID: in.ID}, in.Filter, true)
}

// backToRow sends a plain post (no JavaScript) back to the page it came
// from (its same-origin Referer: the list with its filter), scrolled to
// the row of task id when the list still shows it (shown), else to the
// row that took its place (Store.NextTaskID), or to the task section when
// the list is empty, as rename does: a long list does not jump to the
// top.
func backToRow(c *fiber.Ctx, u *User, id int64, shown bool, f Filter) error {
	at := id
	if !shown {
		next, err := fiberfn.ExpectContext[*Store](c).NextTaskID(u.ID, id, f)
		if err != nil {
			return err
		}
		at = next
	}
	target := refererPath(c)
	if at > 0 {
		target += "#task-" + strconv.FormatInt(at, 10)
	} else {
		target += "#tasks"
	}
	return fiberfn.Redirect(c, target)
}

func clearCompleted(c *fiber.Ctx, in ClearInput) (*TaskList, error) {
	u := userOf(c)
	if _, err := fiberfn.ExpectContext[*Store](c).ClearDone(u.ID); err != nil {
		return nil, err
	}
	publishChange(c, u, "clear")
	if !showsAnswer(c) {
		return &TaskList{}, nil
	}
	return taskList(c, u, in.Filter)
}
