package app

import (
	"math"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// searchWindow is how many of the user's newest tasks (below the
// cursor) PostgreSQL searches first, in list order, before it asks the
// index (see SearchTasks).
const searchWindow = 1000

// searchSQL is the search query of d for each filter: $1 the match (an
// FTS4 MATCH expression on SQLite, a tsquery text on PostgreSQL), $2 and
// $5 the keyset range ($5 <= id < $2), $3 the user, $4 the row limit.
// Newest first.
//
// On SQLite the CROSS JOIN makes the full-text table the outer loop: the
// index finds the user's matches in descending id order (the user's id
// is a required token), and the tasks table only adds the columns and
// the filter.
//
// PostgreSQL has two queries (see SearchTasks). recent reads the user's
// newest searchWindow tasks in list order and matches their words: a
// common word fills a page there, where the GIN index would have to read
// every match of the list to sort them. indexed asks the GIN index and
// sorts what it finds (the id + 0 keeps the planner from walking the
// primary key instead, which it prefers when it guesses that matches are
// common, and which reads the whole list when two common words never
// meet in one title): a rare word costs its few matches.
func searchSQL(d dialect, f Filter) (recent, indexed string) {
	done := ""
	switch f {
	case FilterOpen:
		done = ` AND t.done = FALSE`
	case FilterDone:
		done = ` AND t.done = TRUE`
	}
	if d == dialectPostgres {
		recent = `SELECT t.id, t.title, t.done, t.created_at FROM (
	SELECT t.id, t.title, t.done, t.created_at, t.title_words FROM tasks t
	WHERE t.id < $2 AND t.id >= $5 AND t.user_id = $3` + done + ` ORDER BY t.id DESC LIMIT ` + strconv.Itoa(searchWindow) + `
) t WHERE t.title_words @@ to_tsquery('simple', $1) ORDER BY t.id DESC LIMIT $4`
		indexed = `SELECT t.id, t.title, t.done, t.created_at FROM tasks t
WHERE t.title_words @@ to_tsquery('simple', $1) AND t.id < $2 AND t.id >= $5 AND t.user_id = $3` + done + `
ORDER BY t.id + 0 DESC LIMIT $4`
		return recent, indexed
	}
	return "", d.rebind(`SELECT t.id, t.title, t.done, t.created_at FROM tasks_search CROSS JOIN tasks t ON t.id = tasks_search.docid
WHERE tasks_search MATCH $1 AND tasks_search.docid < $2 AND tasks_search.docid >= $5 AND t.user_id = $3` + done + `
ORDER BY tasks_search.docid DESC LIMIT $4`)
}

// searchQuery is one dialect's and filter's pair of searchSQL.
type searchQuery struct{ recent, indexed string }

// searchQueries are searchSQL for each dialect and filter, made once.
var searchQueries = func() map[dialect]map[Filter]searchQuery {
	m := map[dialect]map[Filter]searchQuery{}
	for _, d := range []dialect{dialectSQLite, dialectPostgres} {
		m[d] = map[Filter]searchQuery{}
		for _, f := range []Filter{FilterAll, FilterOpen, FilterDone} {
			recent, indexed := searchSQL(d, f)
			m[d][f] = searchQuery{recent, indexed}
		}
	}
	return m
}()

// SearchPage returns the user's tasks that pass the filter and match q
// (see SearchQuery for what matches) in range r, newest first, as
// TasksPage does for the whole list: at most r.Limit of them, whether
// more follow, and down to which id the page covers. An empty query
// matches nothing. Only the user's own tasks are ever read.
func (s *Store) SearchPage(userID int64, q SearchQuery, f Filter, r TaskRange) (TaskPage, error) {
	if q.Empty() || r.Limit <= 0 {
		return TaskPage{}, nil
	}
	before := r.Before
	if before <= 0 {
		before = math.MaxInt64
	}
	from := max(r.From, 0)
	sq := searchQueries[s.dialect][ParseFilter(string(f))]
	var tasks []Task
	var err error
	if s.dialect == dialectSQLite {
		tasks, err = s.searchRows(sq.indexed, q.ftsMatch(userID), before, userID, r.Limit+1, from)
	} else {
		// The newest tasks first; the index when they hold less than a
		// page (a rare word, or none).
		tasks, err = s.searchRows(sq.recent, q.tsQuery(), before, userID, r.Limit+1, from)
		if err == nil && len(tasks) <= r.Limit {
			tasks, err = s.searchRows(sq.indexed, q.tsQuery(), before, userID, r.Limit+1, from)
		}
	}
	if err != nil {
		return TaskPage{}, err
	}
	if len(tasks) > r.Limit {
		tasks = tasks[:r.Limit]
		return TaskPage{Tasks: tasks, More: true, Through: tasks[len(tasks)-1].ID}, nil
	}
	p := TaskPage{Tasks: tasks, Through: from}
	if from > 0 {
		older, err := s.SearchPage(userID, q, f, TaskRange{Before: from, Limit: 1})
		if err != nil {
			return TaskPage{}, err
		}
		p.More = len(older.Tasks) > 0
	}
	return p, nil
}

// SearchTasks returns a page of the user's tasks that pass the filter
// and match q, newest first: at most PageSize tasks with ids below
// before (0: from the newest), and whether more follow (the next page is
// before the last task's id).
func (s *Store) SearchTasks(userID int64, q SearchQuery, f Filter, before int64) (tasks []Task, more bool, err error) {
	p, err := s.SearchPage(userID, q, f, TaskRange{Before: before, Limit: PageSize})
	return p.Tasks, p.More, err
}

// searchRows runs a search query for up to limit tasks.
//
// On PostgreSQL each search is planned for its own words
// (QueryExecModeExec: an unnamed statement, not pgx's cached prepared
// one). A cached statement gets a generic plan after five runs, made
// without the words, and that plan walked the user's index reading
// every task for a rare word (p99 665 ms at 100,000 tasks instead of
// 15 ms); the words decide between the window and the GIN index.
func (s *Store) searchRows(query, match string, before, userID int64, limit int, from int64) ([]Task, error) {
	args := []any{match, before, userID, limit, from}
	if s.dialect == dialectPostgres {
		args = append([]any{pgx.QueryExecModeExec}, args...)
	}
	rows, err := s.db.Query(query, args...)
	if err != nil {
		return nil, err
	}
	return scanTasks(rows, min(limit, PageSize+1))
}
