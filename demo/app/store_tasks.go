package app

import (
	"database/sql"
	"errors"
	"math"
	"time"
)

// Task is one item of a user's list.
type Task struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Done      bool      `json:"done"`
	CreatedAt time.Time `json:"createdAt"`
}

// Counts are the sizes of a user's list.
type Counts struct {
	Open int `json:"open"`
	Done int `json:"done"`
}

// Total is the number of tasks, open and done.
func (c Counts) Total() int { return c.Open + c.Done }

// shown is the number of tasks the filter lists.
func (c Counts) shown(f Filter) int {
	switch f {
	case FilterOpen:
		return c.Open
	case FilterDone:
		return c.Done
	}
	return c.Total()
}

// Filter selects which tasks a list shows.
type Filter string

// The filters of the task list; anything else is FilterAll.
const (
	FilterAll  Filter = "all"
	FilterOpen Filter = "open"
	FilterDone Filter = "done"
)

// ParseFilter returns the filter named by s, or FilterAll.
func ParseFilter(s string) Filter {
	switch f := Filter(s); f {
	case FilterOpen, FilterDone:
		return f
	}
	return FilterAll
}

// AddTask adds an open task to the user's list.
func (s *Store) AddTask(userID int64, title string) (Task, error) {
	now := time.Now().Unix()
	t := Task{Title: title, CreatedAt: time.Unix(now, 0).UTC()}
	if err := s.writeRow(s.q.addTask, []any{userID, title, now}, &t.ID); err != nil {
		return Task{}, err
	}
	return t, nil
}

// DeleteTask removes one of the user's tasks.
func (s *Store) DeleteTask(userID, taskID int64) error {
	return affected(s.exec(s.q.deleteTask, taskID, userID))
}

// ClearDone removes the user's done tasks and returns how many there were.
func (s *Store) ClearDone(userID int64) (int64, error) {
	res, err := s.exec(s.q.clearDone, userID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Tasks returns the user's tasks that pass the filter, oldest first.
func (s *Store) Tasks(userID int64, f Filter) ([]Task, error) {
	return s.tasks(userID, f, 0)
}

// maxSizeHint bounds the room tasks makes up front, whatever the counts
// row says.
const maxSizeHint = 10_000

// tasks is Tasks with room for sizeHint tasks made up front (the count
// from Counts, when the caller has it), so the list grows without copies.
func (s *Store) tasks(userID int64, f Filter, sizeHint int) ([]Task, error) {
	q := s.q.tasksAll
	switch f {
	case FilterOpen:
		q = s.q.tasksOpen
	case FilterDone:
		q = s.q.tasksDone
	}
	rows, err := s.db.Query(q, userID)
	if err != nil {
		return nil, err
	}
	return scanTasks(rows, min(sizeHint, maxSizeHint))
}

// TaskRange is a range of the list, newest first: the tasks with
// From <= id < Before, at most Limit of them. Before 0 has no upper
// bound (the newest task); From 0 no lower one.
type TaskRange struct {
	From, Before int64
	Limit        int
}

// TaskPage is a range of the list as TasksPage read it.
type TaskPage struct {
	// Tasks are the range's tasks, newest first.
	Tasks []Task
	// More reports whether the filter holds tasks older than the last
	// of Tasks (beyond the range's Limit or below its From).
	More bool
	// Through is the lowest id the page covers: every task of the filter
	// with Through <= id < Before is in Tasks. It is the last task's id
	// when Limit cut the range short, else From.
	Through int64
}

// TasksPage returns the user's tasks that pass the filter in range r,
// newest first. It reads at most Limit+1 rows starting at the cursor in
// an index (keyset paging, no OFFSET), and when From ends the range
// first, one or two more to tell whether older tasks remain: a page costs
// the same whatever its position in a list of any length.
func (s *Store) TasksPage(userID int64, f Filter, r TaskRange) (TaskPage, error) {
	if r.Limit <= 0 {
		return TaskPage{}, nil
	}
	before := r.Before
	if before <= 0 {
		before = math.MaxInt64
	}
	q := s.q.pageAll
	switch f {
	case FilterOpen:
		q = s.q.pageOpen
	case FilterDone:
		q = s.q.pageDone
	}
	rows, err := s.db.Query(q, userID, max(r.From, 0), before, r.Limit+1)
	if err != nil {
		return TaskPage{}, err
	}
	tasks, err := scanTasks(rows, min(r.Limit+1, PageSize+1))
	if err != nil {
		return TaskPage{}, err
	}
	if len(tasks) > r.Limit {
		tasks = tasks[:r.Limit]
		return TaskPage{Tasks: tasks, More: true, Through: tasks[len(tasks)-1].ID}, nil
	}
	p := TaskPage{Tasks: tasks, Through: max(r.From, 0)}
	if r.From > 0 {
		older, err := s.TasksPage(userID, f, TaskRange{Before: r.From, Limit: 1})
		if err != nil {
			return TaskPage{}, err
		}
		p.More = len(older.Tasks) > 0
	}
	return p, nil
}

// scanTasks reads and closes rows of taskColumns, with room for hint
// tasks made up front.
func scanTasks(rows *sql.Rows, hint int) ([]Task, error) {
	defer rows.Close()
	var tasks []Task
	if hint > 0 {
		tasks = make([]Task, 0, hint)
	}
	for rows.Next() {
		var t Task
		var created int64
		if err := rows.Scan(&t.ID, &t.Title, &t.Done, &created); err != nil {
			return nil, err
		}
		t.CreatedAt = time.Unix(created, 0).UTC()
		tasks = append(tasks, t)
	}
	return tasks, rows.Err()
}

// Counts returns how many of the user's tasks are open and done. It reads
// one row, kept up to date in the same transaction as every change of
// the user's tasks (see the task_counts migration), whatever the length
// of the list.
func (s *Store) Counts(userID int64) (Counts, error) {
	var c Counts
	err := s.db.QueryRow(s.q.counts, userID).Scan(&c.Open, &c.Done)
	if errors.Is(err, sql.ErrNoRows) { // no task yet
		return Counts{}, nil
	}
	return c, err
}

// CountTasks returns the number of the user's tasks.
func (s *Store) CountTasks(userID int64) (int, error) {
	c, err := s.Counts(userID)
	return c.Total(), err
}
