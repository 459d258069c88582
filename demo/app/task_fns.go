package app

import (
	"errors"
	"net/http"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
)

// taskListTemplate is the fragment htmx callers of every task function
// get: the whole task section, so the list, the counts and the add form
// always agree.
const taskListTemplate = "partials/tasks"

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
// guard) and answers htmx callers with the task section. Adding is
// once-only: a double click, a double Enter or a retry adds one task.
var (
	AddTask = fiberfn.Register(fnAddTask, addTask, fiberfn.Guard(loggedIn), fiberfn.OnceOnly(), fiberfn.Render(taskListTemplate),
		fiberfn.ErrorTemplate("partials/add_form"), fiberfn.ErrorTarget(formErrorTarget, "outerHTML"))
	RenameTask = fiberfn.Register(fnRenameTask, renameTask, fiberfn.Guard(loggedIn), fiberfn.Render(taskListTemplate),
		fiberfn.ErrorTemplate("partials/rename_form"), fiberfn.ErrorTarget(formErrorTarget, "outerHTML"))
	ToggleTask = fiberfn.Register(fnToggleTask, toggleTask, fiberfn.Guard(loggedIn), fiberfn.Render(taskListTemplate),
		fiberfn.ErrorTarget(taskErrorTarget, "innerHTML"))
	DeleteTask = fiberfn.Register(fnDeleteTask, deleteTask, fiberfn.Guard(loggedIn), fiberfn.Render(taskListTemplate),
		fiberfn.ErrorTarget(taskErrorTarget, "innerHTML"))
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

// taskList is the result of every task function: the user's task section
// as it is now.
func taskList(c *fiber.Ctx, u *User, filter string) (*TaskList, error) {
	return buildTaskList(fiberfn.ExpectContext[*Store](c), u, ParseFilter(filter), nil)
}

func addTask(c *fiber.Ctx, in AddTaskInput) (*TaskList, error) {
	u := userOf(c)
	title, problem := cleanTitle(in.Title)
	if problem != "" {
		return nil, fiberfn.FieldErrors{"title": problem}
	}
	if _, err := fiberfn.ExpectContext[*Store](c).AddTask(u.ID, title); err != nil {
		return nil, err
	}
	return taskList(c, u, in.Filter)
}

func toggleTask(c *fiber.Ctx, in ToggleInput) (*TaskList, error) {
	u := userOf(c)
	if in.ID <= 0 {
		return nil, errNoID
	}
	if err := fiberfn.ExpectContext[*Store](c).SetDone(u.ID, in.ID, in.Done); err != nil {
		return nil, taskErr(err)
	}
	return taskList(c, u, in.Filter)
}

func renameTask(c *fiber.Ctx, in RenameInput) (*TaskList, error) {
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
	return taskList(c, u, in.Filter)
}

func deleteTask(c *fiber.Ctx, in TaskInput) (*TaskList, error) {
	u := userOf(c)
	if in.ID <= 0 {
		return nil, errNoID
	}
	if err := fiberfn.ExpectContext[*Store](c).DeleteTask(u.ID, in.ID); err != nil {
		return nil, taskErr(err)
	}
	return taskList(c, u, in.Filter)
}

func clearCompleted(c *fiber.Ctx, in ClearInput) (*TaskList, error) {
	u := userOf(c)
	if _, err := fiberfn.ExpectContext[*Store](c).ClearDone(u.ID); err != nil {
		return nil, err
	}
	return taskList(c, u, in.Filter)
}
