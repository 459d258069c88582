package app

import (
	"database/sql"
	"errors"
	"time"
)

// The queries of per-row updates: each changes one task and returns it as
// it now is, in one statement, so the answer can render the row.

// scanTask reads a task row (taskColumns); a missing row is ErrNotFound.
func scanTask(scan func(dest ...any) error) (Task, error) {
	var t Task
	var created int64
	if err := scan(&t.ID, &t.Title, &t.Done, &created); err != nil {
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
	return scanTask(s.db.QueryRow(s.q.task, taskID, userID).Scan)
}

// SetDoneTask marks one of the user's tasks done or open and returns it.
func (s *Store) SetDoneTask(userID, taskID int64, done bool) (Task, error) {
	return scanTask(func(dest ...any) error { return s.writeRow(s.q.setDone, []any{done, taskID, userID}, dest...) })
}

// SetDone marks one of the user's tasks done or open. A task of another
// user is ErrNotFound and stays unchanged.
func (s *Store) SetDone(userID, taskID int64, done bool) error {
	_, err := s.SetDoneTask(userID, taskID, done)
	return err
}

// RenameTaskRow changes the title of one of the user's tasks and returns
// it.
func (s *Store) RenameTaskRow(userID, taskID int64, title string) (Task, error) {
	return scanTask(func(dest ...any) error { return s.writeRow(s.q.rename, []any{title, taskID, userID}, dest...) })
}
