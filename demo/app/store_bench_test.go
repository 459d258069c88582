package app

import (
	"testing"
)

// BenchmarkStore measures the Store's operations on SQLite and on
// PostgreSQL (on this machine's server, through the loopback), for a user
// with 100 tasks: the work of one request of each kind, without HTTP.
//
//	go test -run '^$' -bench BenchmarkStore -benchmem ./demo/app/
func BenchmarkStore(b *testing.B) {
	for _, tdb := range testDatabases {
		b.Run(tdb.name, func(b *testing.B) {
			u := tdb.url(b)
			s := newStore(openTestDB(b, u), u.dialect)
			user, err := s.CreateUser("bench", []byte("hash"))
			if err != nil {
				b.Fatal(err)
			}
			seedTasks(b, s, user.ID, 100)
			ids := taskIDs(b, s, user.ID)
			pick := func(i int) int64 { return ids[i%len(ids)] }

			b.Run("UserByID", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := s.UserByID(user.ID); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Counts", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := s.Counts(user.ID); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Tasks100", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if ts, err := s.Tasks(user.ID, FilterAll); err != nil || len(ts) != 100 {
						b.Fatal(len(ts), err)
					}
				}
			})
			b.Run("SetDoneTask", func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if _, err := s.SetDoneTask(user.ID, pick(i), i%2 == 0); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			b.Run("RenameTaskRow", func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if _, err := s.RenameTaskRow(user.ID, pick(i), "renamed"); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			// AddTask then DeleteTask: the list keeps its length.
			b.Run("AddTask+DeleteTask", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					task, err := s.AddTask(user.ID, "benchmark task")
					if err != nil {
						b.Fatal(err)
					}
					if err := s.DeleteTask(user.ID, task.ID); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
