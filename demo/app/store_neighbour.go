package app

import (
	"database/sql"
	"errors"
)

// NextTaskID returns the id of the task that the list under f shows in
// the place of task taskID once that task has left it (deleted, or
// toggled out of the filter): the next one in the list's order (newest
// first: the newest task older than it), else, after the last, the one
// before it (the oldest newer one); 0 when the list is empty. Another
// user's tasks never count. A plain form post (no JavaScript) is sent
// back to that row.
func (s *Store) NextTaskID(userID, taskID int64, f Filter) (int64, error) {
	older, err := s.TasksPage(userID, f, TaskRange{Before: taskID, Limit: 1})
	if err != nil {
		return 0, err
	}
	if len(older.Tasks) > 0 {
		return older.Tasks[0].ID, nil
	}
	var id int64
	err = s.db.QueryRow(newerTaskQuery(s.dialect, f), userID, taskID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// newerTaskQuery is the query of the oldest task newer than $2 under f.
// On PostgreSQL it is written with row values over the index's columns,
// as pageQueries explains; SQLite gets the plain form.
func newerTaskQuery(d dialect, f Filter) string {
	done := ""
	switch f {
	case FilterOpen:
		done = "FALSE"
	case FilterDone:
		done = "TRUE"
	}
	if d == dialectPostgres {
		if done == "" {
			return `SELECT id FROM tasks WHERE user_id = $1 AND (user_id, id) > ($1, $2) ORDER BY user_id, id LIMIT 1`
		}
		return `SELECT id FROM tasks WHERE user_id = $1 AND done = ` + done + ` AND (user_id, done, id) > ($1, ` + done + `, $2) ORDER BY user_id, done, id LIMIT 1`
	}
	if done == "" {
		return d.rebind(`SELECT id FROM tasks WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT 1`)
	}
	return d.rebind(`SELECT id FROM tasks WHERE user_id = $1 AND done = ` + done + ` AND id > $2 ORDER BY id LIMIT 1`)
}
