package app

import (
	"strconv"
	"strings"
	"time"
)

// importBatch is how many tasks one INSERT of ImportTasks adds.
const importBatch = 250

// ImportTasks adds titles to the user's list as open tasks, importBatch
// rows per INSERT, all in one transaction: either every title is added or
// none. progress is called after each batch with the number added so far;
// an error from it (the client has gone) rolls the import back.
func (s *Store) ImportTasks(userID int64, titles []string, progress func(done int) error) (err error) {
	s.lockWrites()
	defer s.unlockWrites()
	tx, err := s.db.Begin()
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	now := time.Now().Unix()
	for start := 0; start < len(titles); start += importBatch {
		batch := titles[start:min(start+importBatch, len(titles))]
		args := make([]any, 0, 3*len(batch))
		for _, t := range batch {
			args = append(args, userID, t, now)
		}
		if _, err = tx.Exec(s.importQuery(len(batch)), args...); err != nil {
			return err
		}
		if progress != nil {
			if err = progress(start + len(batch)); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// importQuery is the INSERT of n tasks.
func (s *Store) importQuery(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO tasks (user_id, title, created_at) VALUES `)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		p := 3 * i
		b.WriteString("($" + strconv.Itoa(p+1) + ", $" + strconv.Itoa(p+2) + ", $" + strconv.Itoa(p+3) + ")")
	}
	return s.dialect.rebind(b.String())
}
