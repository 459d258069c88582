package app

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// countTasks counts the user's tasks the slow way, for comparing with
// Store.Counts.
func countTasks(t testing.TB, s *Store, userID int64) Counts {
	t.Helper()
	var c Counts
	err := s.db.QueryRow(s.dialect.rebind(`SELECT count(*) FILTER (WHERE done = FALSE), count(*) FILTER (WHERE done = TRUE) FROM tasks WHERE user_id = $1`), userID).
		Scan(&c.Open, &c.Done)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkCounts fails the test unless Store.Counts agrees with COUNT(*) for
// every user.
func checkCounts(t testing.TB, s *Store, when string, users ...int64) {
	t.Helper()
	for _, u := range users {
		got, err := s.Counts(u)
		if err != nil {
			t.Fatal(err)
		}
		if want := countTasks(t, s, u); got != want {
			t.Fatalf("%s: user %d: Counts %+v, COUNT(*) %+v", when, u, got, want)
		}
	}
}

// seedTasks inserts n tasks for the user in one statement (every fourth
// done), as a seeding script would: past the Store, so the triggers must
// count them.
func seedTasks(t testing.TB, s *Store, userID int64, n int) {
	t.Helper()
	_, err := s.db.Exec(s.dialect.rebind(`
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $2)
INSERT INTO tasks (user_id, title, done, created_at)
SELECT $1, 'seeded task', i % 4 = 0, $3 FROM seq`), userID, n, time.Now().Unix())
	if err != nil {
		t.Fatal(err)
	}
}

// taskIDs returns the ids of the user's tasks.
func taskIDs(t testing.TB, s *Store, userID int64) []int64 {
	t.Helper()
	tasks, err := s.Tasks(userID, FilterAll)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(tasks))
	for i, task := range tasks {
		ids[i] = task.ID
	}
	return ids
}

// randomChange makes one change through the Store: add, toggle, rename,
// delete (of a task that may be gone or another user's) or, rarely, clear
// completed.
func randomChange(s *Store, rng *rand.Rand, userID int64, ids []int64) (added int64, err error) {
	pick := func() int64 {
		if len(ids) == 0 || rng.IntN(20) == 0 {
			return rng.Int64N(1 << 40) // a task that does not exist
		}
		return ids[rng.IntN(len(ids))]
	}
	switch k := rng.IntN(100); {
	case k < 30:
		task, err := s.AddTask(userID, "random")
		return task.ID, err
	case k < 65:
		_, err = s.SetDoneTask(userID, pick(), rng.IntN(2) == 0)
	case k < 75:
		_, err = s.RenameTaskRow(userID, pick(), "renamed")
	case k < 99:
		err = s.DeleteTask(userID, pick())
	default:
		_, err = s.ClearDone(userID)
	}
	if errors.Is(err, ErrNotFound) {
		err = nil
	}
	return 0, err
}

// TestStoreCountsAtScale: with 100,000 tasks, 1,000 random changes of two
// users (adds, toggles, renames, deletes, clears) keep Store.Counts equal
// to COUNT(*) for both, checked every 100 changes. Under -short the list
// has 1,000 tasks.
func TestStoreCountsAtScale(t *testing.T) {
	tasks := 100_000
	if testing.Short() {
		tasks = 1_000
	}
	forEachStore(t, func(t *testing.T, s *Store) {
		alice := mustCreateUser(t, s, "alice")
		bob := mustCreateUser(t, s, "bob")
		seedTasks(t, s, alice.ID, tasks)
		seedTasks(t, s, bob.ID, 100)
		checkCounts(t, s, "after seeding", alice.ID, bob.ID)
		if c, _ := s.Counts(alice.ID); c.Total() != tasks || c.Done != tasks/4 {
			t.Fatalf("seeded counts %+v, want %d tasks, %d done", c, tasks, tasks/4)
		}
		seed := time.Now().UnixNano()
		t.Logf("random seed %d", seed)
		rng := rand.New(rand.NewPCG(uint64(seed), 19))
		ids := map[int64][]int64{alice.ID: taskIDs(t, s, alice.ID), bob.ID: taskIDs(t, s, bob.ID)}
		for i := 1; i <= 1000; i++ {
			u := alice.ID
			if rng.IntN(4) == 0 {
				u = bob.ID
			}
			added, err := randomChange(s, rng, u, ids[u])
			if err != nil {
				t.Fatalf("change %d: %v", i, err)
			}
			if added != 0 {
				ids[u] = append(ids[u], added)
			}
			if i%100 == 0 {
				checkCounts(t, s, fmt.Sprintf("after %d changes", i), alice.ID, bob.ID)
			}
		}
	})
}

// TestStoreCountsConcurrent: eight writers change one user's list at once
// (on PostgreSQL with no Go-side lock): the counts still match.
func TestStoreCountsConcurrent(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		u := mustCreateUser(t, s, "busy")
		seedTasks(t, s, u.ID, 200)
		ids := taskIDs(t, s, u.ID)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(w), 1))
				for range 50 {
					if _, err := randomChange(s, rng, u.ID, ids); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		checkCounts(t, s, "after concurrent changes", u.ID)
	})
}

// TestStoreCountsOutsideStore: writes that bypass the Store (a script
// with SQL, a user's deletion cascading to the tasks) keep the counts
// too, since the database keeps them.
func TestStoreCountsOutsideStore(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		u := mustCreateUser(t, s, "scripted")
		other := mustCreateUser(t, s, "other")
		seedTasks(t, s, u.ID, 40)
		seedTasks(t, s, other.ID, 8)
		q := s.dialect.rebind
		steps := []struct {
			name, sql string
			args      []any
		}{
			{"mark all done", q(`UPDATE tasks SET done = TRUE WHERE user_id = $1`), []any{u.ID}},
			{"reopen every other one", q(`UPDATE tasks SET done = FALSE WHERE user_id = $1 AND id % 2 = 0`), []any{u.ID}},
			{"rename all", q(`UPDATE tasks SET title = 'x' WHERE user_id = $1`), []any{u.ID}},
			{"move one task to another user", q(`UPDATE tasks SET user_id = $1 WHERE id = (SELECT min(id) FROM tasks WHERE user_id = $2)`), []any{other.ID, u.ID}},
			{"delete some", q(`DELETE FROM tasks WHERE user_id = $1 AND id % 3 = 0`), []any{u.ID}},
			// Statements over several users' tasks at once.
			{"insert for two users", q(`INSERT INTO tasks (user_id, title, done, created_at) VALUES ($1, 'a', FALSE, 0), ($2, 'b', TRUE, 0), ($1, 'c', TRUE, 0)`), []any{u.ID, other.ID}},
			{"toggle across two users", q(`UPDATE tasks SET done = NOT done WHERE user_id IN ($1, $2) AND id % 5 = 0`), []any{u.ID, other.ID}},
			{"swap owners", q(`UPDATE tasks SET user_id = CASE WHEN user_id = $1 THEN $2 ELSE $1 END WHERE user_id IN ($1, $2) AND id % 7 = 0`), []any{u.ID, other.ID}},
			{"delete across two users", q(`DELETE FROM tasks WHERE user_id IN ($1, $2) AND id % 4 = 1`), []any{u.ID, other.ID}},
			{"a statement that changes nothing", q(`UPDATE tasks SET done = TRUE WHERE id = -1`), nil},
		}
		for _, st := range steps {
			if _, err := s.db.Exec(st.sql, st.args...); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			checkCounts(t, s, st.name, u.ID, other.ID)
		}
		if _, err := s.db.Exec(q(`DELETE FROM users WHERE id = $1`), u.ID); err != nil {
			t.Fatal(err)
		}
		var rows int
		if err := s.db.QueryRow(q(`SELECT count(*) FROM task_counts WHERE user_id = $1`), u.ID).Scan(&rows); err != nil || rows != 0 {
			t.Errorf("the deleted user's counts row: %d rows, %v", rows, err)
		}
		mustCounts(t, s, u.ID, 0, 0)
		checkCounts(t, s, "after deleting a user", other.ID)
	})
}

// TestStoreCountsReadOneRow: Counts reads task_counts, not tasks: with
// the row changed behind the triggers' back, it reports the row.
func TestStoreCountsReadOneRow(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		u := mustCreateUser(t, s, "row")
		seedTasks(t, s, u.ID, 4)
		if _, err := s.db.Exec(s.dialect.rebind(`UPDATE task_counts SET open_tasks = 1000, done_tasks = 7 WHERE user_id = $1`), u.ID); err != nil {
			t.Fatal(err)
		}
		mustCounts(t, s, u.ID, 1000, 7)
	})
}
