package app

import (
	"errors"
	"net/http"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
)

// Names of the task server functions. The task views refer to the forms
// by name rather than through the handles below: a function that renders
// its own form cannot refer to its own handle (an initialization cycle).
const (
	fnAddTask        = "add_task"
	fnToggleTask     = "toggle_task"
	fnRenameTask     = "rename_task"
	fnDeleteTask     = "delete_task"
	fnClearCompleted = "clear_completed"
)

// taskListTemplate is the fragment HTMX callers of clear_completed get:
// the whole task section.
const taskListTemplate = "partials/tasks"

// taskChangeTemplate is the fragment HTMX callers of toggle, rename and
// delete get: the task's row (or nothing, when it leaves the list), plus
// out-of-band updates of the counts, the filter links and the footer.
// The forms swap it into their own row (hx-target="closest li").
const taskChangeTemplate = "partials/task_change"

// taskAddedTemplate is the fragment of add_task for HTMX callers: the new
// row, appended to the list, plus the out-of-band updates and a fresh add
// form.
const taskAddedTemplate = "partials/task_added"

// taskErrorTemplate is the error fragment of toggle and delete: the
// message for the error slot and, when the task is gone (404), the
// removal of its stale row.
const taskErrorTemplate = "partials/task_error"

// taskErrorTarget is where the errors of the task buttons (toggle, delete,
// clear) land for HTMX callers: the error slot of the task section.
const taskErrorTarget = "#task-errors"

// The task server functions. Each needs a logged-in user (the loggedIn
// guard) and answers htmx callers with only what changed: the task's row
// and out-of-band updates of the rest. Adding is once-only: a double
// click, a double Enter or a retry adds one task.
var (
	AddTask = fiberfn.Register(fnAddTask, addTask, fiberfn.Guard(loggedIn), fiberfn.OnceOnly(), fiberfn.Render(taskAddedTemplate),
		fiberfn.ErrorTemplate("partials/add_form"), fiberfn.ErrorTarget(formErrorTarget, "outerHTML"))
	RenameTask = fiberfn.Register(fnRenameTask, renameTask, fiberfn.Guard(loggedIn), fiberfn.Render(taskChangeTemplate),
		fiberfn.ErrorTemplate("partials/rename_form"), fiberfn.ErrorTarget(formErrorTarget, "outerHTML"))
	ToggleTask = fiberfn.Register(fnToggleTask, toggleTask, fiberfn.Guard(loggedIn), fiberfn.Render(taskChangeTemplate),
		fiberfn.ErrorTemplate(taskErrorTemplate), fiberfn.ErrorTarget(taskErrorTarget, "innerHTML"))
	DeleteTask = fiberfn.Register(fnDeleteTask, deleteTask, fiberfn.Guard(loggedIn), fiberfn.Render(taskChangeTemplate),
		fiberfn.ErrorTemplate(taskErrorTemplate), fiberfn.ErrorTarget(taskErrorTarget, "innerHTML"))
	ClearCompleted = fiberfn.Register(fnClearCompleted, clearCompleted, fiberfn.Guard(loggedIn), fiberfn.Render(taskListTemplate),
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

// taskList is the result of clear_completed: the user's task section as
// it is now.
func taskList(c *fiber.Ctx, u *User, filter string) (*TaskList, error) {
	return buildTaskList(fiberfn.ExpectContext[*Store](c), u, ParseFilter(filter), nil)
}

// taskChange is the result of the functions that change one task: its row
// and the state of the rest of the section.
func taskChange(c *fiber.Ctx, u *User, filter string, id int64) (*TaskChange, error) {
	return buildTaskChange(fiberfn.ExpectContext[*Store](c), u, ParseFilter(filter), id)
}

func addTask(c *fiber.Ctx, in AddTaskInput) (*TaskChange, error) {
	u := userOf(c)
	title, problem := cleanTitle(in.Title)
	if problem != "" {
		return nil, fiberfn.FieldErrors{"title": problem}
	}
	t, err := fiberfn.ExpectContext[*Store](c).AddTask(u.ID, title)
	if err != nil {
		return nil, err
	}
	ch, err := taskChange(c, u, in.Filter, t.ID)
	if ch != nil {
		ch.Added = true
	}
	return ch, err
}

func toggleTask(c *fiber.Ctx, in ToggleInput) (*TaskChange, error) {
	u := userOf(c)
	if in.ID <= 0 {
		return nil, errNoID
	}
	if err := fiberfn.ExpectContext[*Store](c).SetDone(u.ID, in.ID, in.Done); err != nil {
		return nil, taskErr(err)
	}
	return taskChange(c, u, in.Filter, in.ID)
}

func renameTask(c *fiber.Ctx, in RenameInput) (*TaskChange, error) {
	u := userOf(c)
	if in.ID <= 0 {
		return nil, errNoID
	}
	title, problem := cleanTitle(in.Title)
	if problem != "" {
		return nil, fiberfn.FieldErrors{"title": problem}
	}
	if err := fiberfn.ExpectContext[*Store](c).RenameTask(u.ID, in.ID, title); err != nil {
		return nil, taskErr(err)
	}
	return taskChange(c, u, in.Filter, in.ID)
}

func deleteTask(c *fiber.Ctx, in TaskInput) (*TaskChange, error) {
	u := userOf(c)
	if in.ID <= 0 {
		return nil, errNoID
	}
	if err := fiberfn.ExpectContext[*Store](c).DeleteTask(u.ID, in.ID); err != nil {
		return nil, taskErr(err)
	}
	return taskChange(c, u, in.Filter, in.ID)
}

func clearCompleted(c *fiber.Ctx, in ClearInput) (*TaskList, error) {
	u := userOf(c)
	if _, err := fiberfn.ExpectContext[*Store](c).ClearDone(u.ID); err != nil {
		return nil, err
	}
	return taskList(c, u, in.Filter)
}
