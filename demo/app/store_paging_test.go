package app

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// queryPlan returns the plan of query with args: SQLite's EXPLAIN QUERY
// PLAN, or PostgreSQL's EXPLAIN ANALYZE without costs and timings (so it
// holds the rows each step actually read, and no time).
func queryPlan(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	explain := "EXPLAIN QUERY PLAN "
	if s.dialect == dialectPostgres {
		explain = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, BUFFERS OFF) "
	}
	rows, err := s.db.Query(explain+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, fmt.Sprint(vals[len(vals)-1])) // the detail
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// TestTasksPageReadsOnePage: with 100,000 tasks, a page of each filter,
// at the start, in the middle and at the end of the list, is one range
// of an index read backwards from the cursor and cut by the LIMIT: no
// sort of the user's tasks, no OFFSET; on PostgreSQL the index scan
// reads at most PageSize+1 rows (EXPLAIN ANALYZE's actual rows, not a
// time). The pages are the list, newest first, with the right More.
func TestTasksPageReadsOnePage(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 tasks: skipped with -short")
	}
	forEachStore(t, func(t *testing.T, s *Store) {
		u, err := s.CreateUser("many", []byte("hash"))
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.CreateUser("other", []byte("hash"))
		if err != nil {
			t.Fatal(err)
		}
		// Another user's tasks interleaved with this user's, as in a
		// database of many users: a page must not walk past them.
		const n = 100_000
		for range 10 {
			seedTasks(t, s, u.ID, n/10)
			seedTasks(t, s, other.ID, n/10)
		}
		if s.dialect == dialectPostgres {
			if _, err := s.db.Exec(`ANALYZE tasks`); err != nil {
				t.Fatal(err)
			}
		}
		ids := taskIDs(t, s, u.ID)
		if len(ids) != n {
			t.Fatalf("%d tasks seeded, want %d", len(ids), n)
		}
		for _, f := range []Filter{FilterAll, FilterOpen, FilterDone} {
			q := map[Filter]string{FilterAll: s.q.pageAll, FilterOpen: s.q.pageOpen, FilterDone: s.q.pageDone}[f]
			for _, before := range []int64{ids[n-1] + 1, ids[n/2], ids[100]} {
				plan := queryPlan(t, s, q, u.ID, 0, before, PageSize+1)
				if before == ids[n/2] {
					t.Logf("%s, a page in the middle:\n%s", f, plan)
				}
				switch s.dialect {
				case dialectSQLite:
					if !strings.Contains(plan, "SEARCH tasks USING") || !strings.Contains(plan, "id<?)") || strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "SCAN") {
						t.Errorf("%s before %d: SQLite plan\n%s\nwant one SEARCH of an index, bounded by the cursor, no sort", f, before, plan)
					}
				case dialectPostgres:
					if !strings.Contains(plan, "Index Scan Backward using tasks_by_user") || strings.Contains(plan, "Sort") || strings.Contains(plan, "Seq Scan") {
						t.Errorf("%s before %d: PostgreSQL plan\n%s\nwant a backward scan of a user's index, no sort", f, before, plan)
					}
					// Every step reads at most a page and one row: what
					// it returns and what its filter removes.
					for _, line := range strings.Split(plan, "\n") {
						var rows int
						for _, key := range []string{"actual rows=", "Rows Removed by Filter: "} {
							if i := strings.Index(line, key); i >= 0 {
								fmt.Sscan(line[i+len(key):], &rows)
							}
						}
						if rows > PageSize+1 {
							t.Errorf("%s before %d: a step read %d rows:\n%s", f, before, rows, plan)
						}
					}
				}
			}
			// Walk the filter's first pages and its last: newest first,
			// contiguous, More until the end.
			var want []int64
			all, err := s.Tasks(u.ID, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, task := range slices.Backward(all) {
				want = append(want, task.ID)
			}
			var got []int64
			before := int64(0)
			for page := 0; page < 3; page++ {
				p, err := s.TasksPage(u.ID, f, TaskRange{Before: before, Limit: PageSize})
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Tasks) != PageSize || !p.More || p.Through != p.Tasks[PageSize-1].ID {
					t.Fatalf("%s page %d: %d tasks, More %v, Through %d", f, page, len(p.Tasks), p.More, p.Through)
				}
				for _, task := range p.Tasks {
					got = append(got, task.ID)
				}
				before = p.Tasks[PageSize-1].ID
			}
			if !slices.Equal(got, want[:3*PageSize]) {
				t.Errorf("%s: the first three pages are not the newest tasks in order", f)
			}
			last, err := s.TasksPage(u.ID, f, TaskRange{Before: want[len(want)-10], Limit: PageSize})
			if err != nil || last.More || !slices.Equal(taskIDsOf(last.Tasks), want[len(want)-9:]) || last.Through != 0 {
				t.Errorf("%s: the last page: %d tasks, More %v, Through %d, %v", f, len(last.Tasks), last.More, last.Through, err)
			}
			// Down to an id: every task from it, and whether older
			// ones remain.
			down, err := s.TasksPage(u.ID, f, TaskRange{From: want[120], Limit: 1000})
			if err != nil || !slices.Equal(taskIDsOf(down.Tasks), want[:121]) || !down.More || down.Through != want[120] {
				t.Errorf("%s: down to the 121st task: %d tasks, More %v, Through %d, %v", f, len(down.Tasks), down.More, down.Through, err)
			}
		}
	})
}

// taskIDsOf returns the ids of tasks, in order.
func taskIDsOf(tasks []Task) []int64 {
	ids := make([]int64, len(tasks))
	for i, t := range tasks {
		ids[i] = t.ID
	}
	return ids
}
