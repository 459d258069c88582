package app

import (
	"database/sql"
	"errors"
	"time"
)

// The queries of per-row updates: each changes one task and returns it as
// it now is, in one statement, so the answer can render the row.

// scanTask reads a task row (id, title, done, created_at); a missing row
// is ErrNotFound.
func scanTask(row *sql.Row) (Task, error) {
	var t Task
	var created int64
	if err := row.Scan(&t.ID, &t.Title, &t.Done, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Task{}, ErrNotFound
		}
		return Task{}, err
	}
	t.CreatedAt = time.Unix(created, 0).UTC()
	return t, nil
}

// Task returns one of the user's tasks; another user's is ErrNotFound.
func (s *Store) Task(userID, taskID int64) (Task, error) {
	return scanTask(s.db.QueryRow(`SELECT id, title, done, created_at FROM tasks WHERE id = ? AND user_id = ?`, taskID, userID))
}

// SetDoneTask marks one of the user's tasks done or open and returns it.
func (s *Store) SetDoneTask(userID, taskID int64, done bool) (Task, error) {
	return scanTask(s.db.QueryRow(`UPDATE tasks SET done = ? WHERE id = ? AND user_id = ? RETURNING id, title, done, created_at`, done, taskID, userID))
}

// RenameTaskRow changes the title of one of the user's tasks and returns
// it.
func (s *Store) RenameTaskRow(userID, taskID int64, title string) (Task, error) {
	return scanTask(s.db.QueryRow(`UPDATE tasks SET title = ? WHERE id = ? AND user_id = ? RETURNING id, title, done, created_at`, title, taskID, userID))
}
