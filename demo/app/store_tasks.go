package app

import (
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
	now := time.Now()
	res, err := s.exec(`INSERT INTO tasks (user_id, title, created_at) VALUES (?, ?, ?)`, userID, title, now.Unix())
	if err != nil {
		return Task{}, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return Task{}, err
	}
	return Task{ID: id, Title: title, CreatedAt: time.Unix(now.Unix(), 0).UTC()}, nil
}

// SetDone marks one of the user's tasks done or open. A task of another
// user is ErrNotFound and stays unchanged.
func (s *Store) SetDone(userID, taskID int64, done bool) error {
	return affected(s.exec(`UPDATE tasks SET done = ? WHERE id = ? AND user_id = ?`, done, taskID, userID))
}

// RenameTask changes the title of one of the user's tasks.
func (s *Store) RenameTask(userID, taskID int64, title string) error {
	return affected(s.exec(`UPDATE tasks SET title = ? WHERE id = ? AND user_id = ?`, title, taskID, userID))
}

// DeleteTask removes one of the user's tasks.
func (s *Store) DeleteTask(userID, taskID int64) error {
	return affected(s.exec(`DELETE FROM tasks WHERE id = ? AND user_id = ?`, taskID, userID))
}

// ClearDone removes the user's done tasks and returns how many there were.
func (s *Store) ClearDone(userID int64) (int64, error) {
	res, err := s.exec(`DELETE FROM tasks WHERE user_id = ? AND done = 1`, userID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Tasks returns the user's tasks that pass the filter, oldest first.
func (s *Store) Tasks(userID int64, f Filter) ([]Task, error) {
	q := `SELECT id, title, done, created_at FROM tasks WHERE user_id = ?`
	switch f {
	case FilterOpen:
		q += ` AND done = 0`
	case FilterDone:
		q += ` AND done = 1`
	}
	rows, err := s.db.Query(q+` ORDER BY id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tasks []Task
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

// Counts returns how many of the user's tasks are open and done.
func (s *Store) Counts(userID int64) (Counts, error) {
	var c Counts
	err := s.db.QueryRow(`SELECT coalesce(sum(done = 0), 0), coalesce(sum(done = 1), 0) FROM tasks WHERE user_id = ?`, userID).
		Scan(&c.Open, &c.Done)
	return c, err
}

// CountTasks returns the number of the user's tasks.
func (s *Store) CountTasks(userID int64) (int, error) {
	c, err := s.Counts(userID)
	return c.Total(), err
}
