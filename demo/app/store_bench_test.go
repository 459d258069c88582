package app

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime is the user + system CPU time this process has used: the Go
// side of a query (driver, database/sql, and on SQLite the database
// itself, which runs in the process); PostgreSQL's own work runs in its
// server processes and shows only in ns/op.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs op in b.Loop with allocations and the process's CPU time
// per op reported.
func measure(b *testing.B, op func(i int)) {
	b.ReportAllocs()
	start, n := cpuTime(), 0
	for b.Loop() {
		op(n)
		n++
	}
	b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(n), "cpu-ns/op")
}

// BenchmarkStore measures the Store's operations on SQLite and on
// PostgreSQL (on this machine's server, through the loopback), for a user
// with 100 tasks: the work of one request of each kind, without HTTP.
//
//	go test -run '^$' -bench BenchmarkStore -benchmem ./demo/app/
func BenchmarkStore(b *testing.B) {
	for _, tdb := range testDatabases {
		b.Run(tdb.name, func(b *testing.B) {
			u := tdb.url(b)
			s := newStore(openTestDB(b, u), u.dialect, newWriteLock(u.dialect))
			user, err := s.CreateUser("bench", []byte("hash"))
			if err != nil {
				b.Fatal(err)
			}
			seedTasks(b, s, user.ID, 100)
			ids := taskIDs(b, s, user.ID)
			pick := func(i int) int64 { return ids[i%len(ids)] }

			b.Run("UserByID", func(b *testing.B) {
				measure(b, func(int) {
					if _, err := s.UserByID(user.ID); err != nil {
						b.Fatal(err)
					}
				})
			})
			b.Run("Counts", func(b *testing.B) {
				measure(b, func(int) {
					if _, err := s.Counts(user.ID); err != nil {
						b.Fatal(err)
					}
				})
			})
			b.Run("Tasks100", func(b *testing.B) {
				measure(b, func(int) {
					if ts, err := s.Tasks(user.ID, FilterAll); err != nil || len(ts) != 100 {
						b.Fatal(len(ts), err)
					}
				})
			})
			// Each task is marked done, then open again: the toggles change the
			// counts (but for the seeded done tasks, whose first toggle does not).
			b.Run("SetDoneTask", func(b *testing.B) {
				measure(b, func(i int) {
					if _, err := s.SetDoneTask(user.ID, pick(i/2), i%2 == 0); err != nil {
						b.Fatal(err)
					}
				})
			})
			b.Run("RenameTaskRow", func(b *testing.B) {
				measure(b, func(i int) {
					if _, err := s.RenameTaskRow(user.ID, pick(i), "renamed"); err != nil {
						b.Fatal(err)
					}
				})
			})
			// AddTask then DeleteTask: the list keeps its length.
			b.Run("AddTask+DeleteTask", func(b *testing.B) {
				measure(b, func(int) {
					task, err := s.AddTask(user.ID, "benchmark task")
					if err != nil {
						b.Fatal(err)
					}
					if err := s.DeleteTask(user.ID, task.ID); err != nil {
						b.Fatal(err)
					}
				})
			})
		})
	}
}
