package app

import (
	"database/sql"
	"errors"
)

// NextTaskID returns the id of the task that the list under f shows in
// the place of task taskID once that task has left it (deleted, or
// toggled out of the filter): the next one in the list's order (oldest
// first, by id), else, after the last, the one before it; 0 when the
// list is empty. Another user's tasks never count. A plain form post
// (no JavaScript) is sent back to that row.
func (s *Store) NextTaskID(userID, taskID int64, f Filter) (int64, error) {
	cond := ""
	switch f {
	case FilterOpen:
		cond = " AND done = FALSE"
	case FilterDone:
		cond = " AND done = TRUE"
	}
	for _, q := range []string{
		`SELECT id FROM tasks WHERE user_id = $1 AND id > $2` + cond + ` ORDER BY id LIMIT 1`,
		`SELECT id FROM tasks WHERE user_id = $1 AND id < $2` + cond + ` ORDER BY id DESC LIMIT 1`,
	} {
		var id int64
		err := s.db.QueryRow(s.dialect.rebind(q), userID, taskID).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
	}
	return 0, nil
}
