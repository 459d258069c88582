package app

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

// mustCounts fails the test unless the user's counts are open and done.
func mustCounts(t *testing.T, s *Store, userID int64, open, done int) {
	t.Helper()
	c, err := s.Counts(userID)
	if err != nil {
		t.Fatal(err)
	}
	if c != (Counts{Open: open, Done: done}) {
		t.Errorf("counts %+v, want open %d done %d", c, open, done)
	}
}

func TestStoreUsers(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		hash := []byte("$2a$04$not-a-real-hash-but-bytes\x00\xff")
		u, err := s.CreateUser("Alice", hash)
		if err != nil {
			t.Fatal(err)
		}
		if u.ID <= 0 || u.Username != "alice" || u.SessionEpoch != 1 {
			t.Errorf("created %+v", u)
		}
		if _, err := s.CreateUser("ALICE", hash); !errors.Is(err, ErrUsernameTaken) {
			t.Errorf("a taken name in another case: %v, want ErrUsernameTaken", err)
		}
		bob, err := s.CreateUser("bob", hash)
		if err != nil || bob.ID == u.ID {
			t.Fatalf("second user %+v, %v", bob, err)
		}
		got, err := s.UserByName("aLiCe")
		if err != nil || got.ID != u.ID || !bytes.Equal(got.PasswordHash, hash) || got.CreatedAt != u.CreatedAt {
			t.Errorf("UserByName: %+v, %v; want %+v", got, err, u)
		}
		if got, err := s.UserByID(bob.ID); err != nil || got.Username != "bob" {
			t.Errorf("UserByID: %+v, %v", got, err)
		}
		if _, err := s.UserByName("carol"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing name: %v", err)
		}
		if _, err := s.UserByID(1 << 40); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing id: %v", err)
		}
		epoch, err := s.SetPassword(u.ID, []byte("new-hash"))
		if err != nil || epoch != 2 {
			t.Errorf("SetPassword: epoch %d, %v; want 2", epoch, err)
		}
		if got, _ := s.UserByID(u.ID); string(got.PasswordHash) != "new-hash" || got.SessionEpoch != 2 {
			t.Errorf("after SetPassword: %+v", got)
		}
		if _, err := s.SetPassword(1<<40, hash); !errors.Is(err, ErrNotFound) {
			t.Errorf("SetPassword of a missing user: %v", err)
		}
		if n, err := s.CountUsers(); err != nil || n != 2 {
			t.Errorf("CountUsers: %d, %v", n, err)
		}
	})
}

func TestStoreTasks(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		alice := mustCreateUser(t, s, "alice")
		bob := mustCreateUser(t, s, "bob")
		mustCounts(t, s, alice.ID, 0, 0) // no task yet: no counts row
		var ids []int64
		for _, title := range []string{"one", "two", "three", "four"} {
			task, err := s.AddTask(alice.ID, title)
			if err != nil {
				t.Fatal(err)
			}
			if task.Title != title || task.Done || task.ID <= 0 || task.CreatedAt.IsZero() {
				t.Errorf("added %+v", task)
			}
			ids = append(ids, task.ID)
		}
		if !slices.IsSorted(ids) {
			t.Errorf("ids %v are not increasing", ids)
		}
		bobs, err := s.AddTask(bob.ID, "bob's")
		if err != nil {
			t.Fatal(err)
		}
		mustCounts(t, s, alice.ID, 4, 0)
		mustCounts(t, s, bob.ID, 1, 0)

		task, err := s.SetDoneTask(alice.ID, ids[1], true)
		if err != nil || !task.Done || task.Title != "two" || task.ID != ids[1] {
			t.Errorf("SetDoneTask: %+v, %v", task, err)
		}
		if err := s.SetDone(alice.ID, ids[1], true); err != nil { // again: no change
			t.Fatal(err)
		}
		if err := s.SetDone(alice.ID, ids[2], true); err != nil {
			t.Fatal(err)
		}
		mustCounts(t, s, alice.ID, 2, 2)
		if err := s.SetDone(alice.ID, ids[2], false); err != nil {
			t.Fatal(err)
		}
		mustCounts(t, s, alice.ID, 3, 1)

		renamed, err := s.RenameTaskRow(alice.ID, ids[1], "two, renamed")
		if err != nil || renamed.Title != "two, renamed" || !renamed.Done {
			t.Errorf("RenameTaskRow: %+v, %v", renamed, err)
		}
		mustCounts(t, s, alice.ID, 3, 1)
		if got, err := s.Task(alice.ID, ids[1]); err != nil || got != renamed {
			t.Errorf("Task: %+v, %v; want %+v", got, err, renamed)
		}

		// Another user's task is not found and stays as it was.
		if _, err := s.Task(alice.ID, bobs.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("Task of another user: %v", err)
		}
		if _, err := s.SetDoneTask(alice.ID, bobs.ID, true); !errors.Is(err, ErrNotFound) {
			t.Errorf("SetDoneTask of another user: %v", err)
		}
		if _, err := s.RenameTaskRow(alice.ID, bobs.ID, "mine"); !errors.Is(err, ErrNotFound) {
			t.Errorf("RenameTaskRow of another user: %v", err)
		}
		if err := s.DeleteTask(alice.ID, bobs.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("DeleteTask of another user: %v", err)
		}
		if got, err := s.Task(bob.ID, bobs.ID); err != nil || got.Title != "bob's" || got.Done {
			t.Errorf("bob's task after alice's attempts: %+v, %v", got, err)
		}
		mustCounts(t, s, bob.ID, 1, 0)

		titles := func(f Filter) []string {
			tasks, err := s.Tasks(alice.ID, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, task := range tasks {
				out = append(out, task.Title)
			}
			return out
		}
		if got := titles(FilterAll); !slices.Equal(got, []string{"one", "two, renamed", "three", "four"}) {
			t.Errorf("all: %q", got)
		}
		if got := titles(FilterOpen); !slices.Equal(got, []string{"one", "three", "four"}) {
			t.Errorf("open: %q", got)
		}
		if got := titles(FilterDone); !slices.Equal(got, []string{"two, renamed"}) {
			t.Errorf("done: %q", got)
		}

		if err := s.DeleteTask(alice.ID, ids[0]); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteTask(alice.ID, ids[0]); !errors.Is(err, ErrNotFound) {
			t.Errorf("second delete: %v", err)
		}
		mustCounts(t, s, alice.ID, 2, 1)
		if err := s.SetDone(alice.ID, ids[3], true); err != nil {
			t.Fatal(err)
		}
		n, err := s.ClearDone(alice.ID)
		if err != nil || n != 2 {
			t.Errorf("ClearDone: %d, %v; want 2", n, err)
		}
		mustCounts(t, s, alice.ID, 1, 0)
		mustCounts(t, s, bob.ID, 1, 0)
		if got := titles(FilterAll); !slices.Equal(got, []string{"three"}) {
			t.Errorf("after clear: %q", got)
		}
		if n, err := s.CountTasks(alice.ID); err != nil || n != 1 {
			t.Errorf("CountTasks: %d, %v", n, err)
		}
	})
}

// TestStoreTitles stores what the validation lets through, byte for byte,
// on both databases.
func TestStoreTitles(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		u := mustCreateUser(t, s, "titles")
		for _, title := range []string{`'; DROP TABLE tasks; --`, `$1 ?1 :a @b`, "日本語 ✓ 🎉", `<script>alert(1)</script>`, strings.Repeat("x", 200)} {
			task, err := s.AddTask(u.ID, title)
			if err != nil {
				t.Fatalf("%q: %v", title, err)
			}
			if got, err := s.Task(u.ID, task.ID); err != nil || got.Title != title {
				t.Errorf("stored %q, read %q (%v)", title, got.Title, err)
			}
		}
	})
}

// mustCreateUser creates a user with a placeholder hash, failing the test
// on an error.
func mustCreateUser(t *testing.T, s *Store, name string) *User {
	t.Helper()
	u, err := s.CreateUser(name, []byte("h"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}
