package app

// queries are the Store's SQL, written once for both databases with
// PostgreSQL's numbered placeholders and rebound for the dialect when the
// Store is made (see dialect.rebind). Booleans are compared with TRUE and
// FALSE, which SQLite reads as 1 and 0, so the done index serves both.
type queries struct {
	createUser, userByName, userByID, setPassword, countUsers string

	addTask, task, setDone, rename, deleteTask, clearDone string
	tasksAll, tasksOpen, tasksDone, counts                string
	// pageAll, pageOpen and pageDone are one page of the list, newest
	// first: the tasks with $2 <= id < $3, at most $4 of them (see
	// Store.TasksPage). Keyset, no OFFSET: the database starts at the
	// cursor in the index, whatever page it is (see pageQueries).
	pageAll, pageOpen, pageDone string
}

// pageQueries returns the page queries of dialect d. On PostgreSQL the
// range is written as row values over the index's columns, (user_id, id)
// or (user_id, done, id), and ordered by them, although WHERE fixes all
// but id: with a plain id < $3 and ORDER BY id, PostgreSQL walked the
// primary key backwards and filtered by user, reading every newer task
// of the other users (10,000 rows for one page of a user who owns half
// the table, TestTasksPageReadsOnePage); row values only the user's
// index serves. SQLite does not use a row value's range in an index
// (it then read every newer task of the user), so it gets the plain
// form, which its planner serves from the user's index.
func pageQueries(d dialect) (all, open, done string) {
	if d == dialectPostgres {
		return `SELECT ` + taskColumns + ` FROM tasks WHERE user_id = $1 AND (user_id, id) >= ($1, $2) AND (user_id, id) < ($1, $3) ORDER BY user_id DESC, id DESC LIMIT $4`,
			`SELECT ` + taskColumns + ` FROM tasks WHERE user_id = $1 AND done = FALSE AND (user_id, done, id) >= ($1, FALSE, $2) AND (user_id, done, id) < ($1, FALSE, $3) ORDER BY user_id DESC, done DESC, id DESC LIMIT $4`,
			`SELECT ` + taskColumns + ` FROM tasks WHERE user_id = $1 AND done = TRUE AND (user_id, done, id) >= ($1, TRUE, $2) AND (user_id, done, id) < ($1, TRUE, $3) ORDER BY user_id DESC, done DESC, id DESC LIMIT $4`
	}
	return d.rebind(`SELECT ` + taskColumns + ` FROM tasks WHERE user_id = $1 AND id >= $2 AND id < $3 ORDER BY id DESC LIMIT $4`),
		d.rebind(`SELECT ` + taskColumns + ` FROM tasks WHERE user_id = $1 AND done = FALSE AND id >= $2 AND id < $3 ORDER BY id DESC LIMIT $4`),
		d.rebind(`SELECT ` + taskColumns + ` FROM tasks WHERE user_id = $1 AND done = TRUE AND id >= $2 AND id < $3 ORDER BY id DESC LIMIT $4`)
}

// taskColumns are the columns scanTask reads.
const taskColumns = `id, title, done, created_at`

// userColumns are the columns scanUser reads.
const userColumns = `id, username, password_hash, session_epoch, created_at`

// newQueries returns the Store's queries for d.
func newQueries(d dialect) *queries {
	r := d.rebind
	q := &queries{
		// A taken name inserts nothing and returns no row, on both
		// databases, without reading driver-specific error codes.
		createUser:  r(`INSERT INTO users (username, password_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT (username) DO NOTHING RETURNING id`),
		userByName:  r(`SELECT ` + userColumns + ` FROM users WHERE username = $1`),
		userByID:    r(`SELECT ` + userColumns + ` FROM users WHERE id = $1`),
		setPassword: r(`UPDATE users SET password_hash = $1, session_epoch = session_epoch + 1 WHERE id = $2 RETURNING session_epoch`),
		countUsers:  `SELECT count(*) FROM users`,

		addTask:    r(`INSERT INTO tasks (user_id, title, created_at) VALUES ($1, $2, $3) RETURNING id`),
		task:       r(`SELECT ` + taskColumns + ` FROM tasks WHERE id = $1 AND user_id = $2`),
		setDone:    r(`UPDATE tasks SET done = $1 WHERE id = $2 AND user_id = $3 RETURNING ` + taskColumns),
		rename:     r(`UPDATE tasks SET title = $1 WHERE id = $2 AND user_id = $3 RETURNING ` + taskColumns),
		deleteTask: r(`DELETE FROM tasks WHERE id = $1 AND user_id = $2`),
		clearDone:  r(`DELETE FROM tasks WHERE user_id = $1 AND done = TRUE`),
		tasksAll:   r(`SELECT ` + taskColumns + ` FROM tasks WHERE user_id = $1 ORDER BY id`),
		tasksOpen:  r(`SELECT ` + taskColumns + ` FROM tasks WHERE user_id = $1 AND done = FALSE ORDER BY id`),
		tasksDone:  r(`SELECT ` + taskColumns + ` FROM tasks WHERE user_id = $1 AND done = TRUE ORDER BY id`),
		counts:     r(`SELECT open_tasks, done_tasks FROM task_counts WHERE user_id = $1`),
	}
	q.pageAll, q.pageOpen, q.pageDone = pageQueries(d)
	return q
}
