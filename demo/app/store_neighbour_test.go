package app

import "testing"

// TestStoreNextTaskID checks the row a plain post returns to when a row
// leaves the list (newest first), on SQLite and PostgreSQL: the next one
// under the filter (older), else the one before (newer), never another
// user's, 0 for none.
func TestStoreNextTaskID(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		alice := mustCreateUser(t, s, "alice")
		bob := mustCreateUser(t, s, "bob")
		add := func(u *User, title string) int64 {
			t.Helper()
			task, err := s.AddTask(u.ID, title)
			if err != nil {
				t.Fatal(err)
			}
			return task.ID
		}
		one, two := add(alice, "one"), add(alice, "two")
		bobs := add(bob, "bob's")
		three := add(alice, "three")
		if err := s.SetDone(alice.ID, two, true); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name   string
			after  int64
			filter Filter
			want   int64
		}{
			{"next (older)", three, FilterAll, two},
			{"next, skipping another user's", bobs, FilterAll, two},
			{"the last: the one before", one, FilterAll, two},
			{"open: skips the done one", three, FilterOpen, one},
			{"open, the last: skips the done one", one, FilterOpen, three},
			{"done: the only one left", three, FilterDone, two},
			{"done: the only one, from below", one, FilterDone, two},
		} {
			got, err := s.NextTaskID(alice.ID, tt.after, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("%s: NextTaskID(%d, %s) = %d, want %d", tt.name, tt.after, tt.filter, got, tt.want)
			}
		}
		if got, err := s.NextTaskID(bob.ID, bobs, FilterAll); err != nil || got != 0 {
			t.Errorf("bob's only task: NextTaskID = %d, %v; want 0", got, err)
		}
	})
}
