package app

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/fiberfn/fiberfn/fiberfn"
)

func TestSearchParse(t *testing.T) {
	tests := []struct {
		name, text string
		words      []string
		code       int // 0: no error
	}{
		{"empty", "", nil, 0},
		{"spaces", "  \t ", nil, 0},
		{"one word", "milk", []string{"milk"}, 0},
		{"case kept", "Buy MILK", []string{"Buy", "MILK"}, 0},
		{"punctuation", `"milk" AND (eggs*) OR -bread NEAR/3 x:y`, []string{"milk", "AND", "eggs", "OR", "bread", "NEAR", "3", "x", "y"}, 0},
		{"quotes and operators only", `"'*()-:^&|!<>`, nil, 0},
		{"NUL", "a\x00b", []string{"a", "b"}, 0},
		{"invalid UTF-8", "caf\xffé", []string{"caf", "é"}, 0},
		{"unicode", "Café 日本語 ñandú", []string{"Café", "日本語", "ñandú"}, 0},
		{"prefix of another", "mil milk", []string{"milk"}, 0},
		{"longer after shorter", "MILK mi", []string{"MILK"}, 0},
		{"duplicates", "a a A", []string{"a"}, 0},
		{"200 characters", strings.Repeat("x", 200), []string{strings.Repeat("x", 200)}, 0},
		{"201 characters", strings.Repeat("x", 201), nil, 400},
		{"10 KB", strings.Repeat("ab ", 3400), nil, 400},
		{"16 words", strings.Repeat("w ", 0) + "a b c d e f g h i j k l m n o p", strings.Fields("a b c d e f g h i j k l m n o p"), 0},
		{"17 words", "a b c d e f g h i j k l m n o p q", nil, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseSearch(tt.text)
			if tt.code != 0 {
				var fe *fiberfn.Error
				if !errors.As(err, &fe) || fe.Code != tt.code {
					t.Fatalf("error %v, want a %d", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(q.Words, tt.words) {
				t.Errorf("words %q, want %q", q.Words, tt.words)
			}
		})
	}
}

// searchTitles returns the titles SearchTasks finds for text, newest
// first.
func searchTitles(t *testing.T, s *Store, userID int64, text string, f Filter) []string {
	t.Helper()
	q, err := ParseSearch(text)
	if err != nil {
		t.Fatalf("ParseSearch(%q): %v", text, err)
	}
	tasks, _, err := s.SearchTasks(userID, q, f, 0)
	if err != nil {
		t.Fatalf("SearchTasks(%q): %v", text, err)
	}
	titles := []string{}
	for _, task := range tasks {
		titles = append(titles, task.Title)
	}
	return titles
}

func TestSearchStore(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		alice := mustCreateUser(t, s, "alice")
		bob := mustCreateUser(t, s, "bob")
		ids := map[string]int64{}
		for _, title := range []string{"Buy milk", "Milkshake recipe", "call Bob about the buy-out", "Café crème", "e-mail anna@example.com", "Pay 1.5 bills", "日本語の本", "snake_case_name"} {
			task, err := s.AddTask(alice.ID, title)
			if err != nil {
				t.Fatal(err)
			}
			ids[title] = task.ID
		}
		if _, err := s.AddTask(bob.ID, "Buy milk for Bob"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetDone(alice.ID, ids["Buy milk"], true); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			text string
			f    Filter
			want []string
		}{
			{"milk", FilterAll, []string{"Milkshake recipe", "Buy milk"}},
			{"MIL", FilterAll, []string{"Milkshake recipe", "Buy milk"}},
			{"milk", FilterOpen, []string{"Milkshake recipe"}},
			{"milk", FilterDone, []string{"Buy milk"}},
			{"buy milk", FilterAll, []string{"Buy milk"}},
			{"milk buy", FilterAll, []string{"Buy milk"}},
			{"buy", FilterAll, []string{"call Bob about the buy-out", "Buy milk"}},
			{"out", FilterAll, []string{"call Bob about the buy-out"}},
			{"ilk", FilterAll, []string{}},                             // not a word prefix
			{"bob", FilterAll, []string{"call Bob about the buy-out"}}, // never Bob's own task
			{"café", FilterAll, []string{"Café crème"}},
			{"CAFÉ CRÈ", FilterAll, []string{"Café crème"}},
			{"cafe", FilterAll, []string{}}, // accents count
			{"example", FilterAll, []string{"e-mail anna@example.com"}},
			{"anna com", FilterAll, []string{"e-mail anna@example.com"}},
			{"5", FilterAll, []string{"Pay 1.5 bills"}},
			{"日本", FilterAll, []string{"日本語の本"}},
			{"case", FilterAll, []string{"snake_case_name"}},
			{"milk nothing", FilterAll, []string{}},
			{"", FilterAll, []string{}},
		}
		for _, tt := range tests {
			if got := searchTitles(t, s, alice.ID, tt.text, tt.f); !slices.Equal(got, tt.want) {
				t.Errorf("search %q (%s): %q, want %q", tt.text, tt.f, got, tt.want)
			}
		}

		// Renames and deletes are reflected at once.
		if _, err := s.RenameTaskRow(alice.ID, ids["Milkshake recipe"], "Smoothie recipe"); err != nil {
			t.Fatal(err)
		}
		if got := searchTitles(t, s, alice.ID, "milk", FilterAll); !slices.Equal(got, []string{"Buy milk"}) {
			t.Errorf("after a rename, milk finds %q", got)
		}
		if got := searchTitles(t, s, alice.ID, "smooth", FilterAll); !slices.Equal(got, []string{"Smoothie recipe"}) {
			t.Errorf("after a rename, smooth finds %q", got)
		}
		if err := s.DeleteTask(alice.ID, ids["Buy milk"]); err != nil {
			t.Fatal(err)
		}
		if got := searchTitles(t, s, alice.ID, "milk", FilterAll); len(got) != 0 {
			t.Errorf("after a delete, milk finds %q", got)
		}
		if n, err := s.ClearDone(alice.ID); err != nil || n != 0 {
			t.Fatalf("ClearDone: %d, %v", n, err)
		}
		if got := searchTitles(t, s, bob.ID, "milk", FilterAll); !slices.Equal(got, []string{"Buy milk for Bob"}) {
			t.Errorf("bob's search: %q", got)
		}
		// A toggle keeps the task findable; the filter follows it.
		if err := s.SetDone(alice.ID, ids["Milkshake recipe"], true); err != nil {
			t.Fatal(err)
		}
		if got := searchTitles(t, s, alice.ID, "smoothie", FilterDone); !slices.Equal(got, []string{"Smoothie recipe"}) {
			t.Errorf("after a toggle, smoothie (done) finds %q", got)
		}
	})
}

func TestSearchHostile(t *testing.T) {
	hostile := []string{
		`"`, `""`, `'`, `''`, `*`, `**`, `a*`, `*a`, `NEAR`, `a NEAR b`, `a NEAR/2 b`, `NEAR(a b)`,
		`AND`, `OR`, `NOT`, `near`, `NEAR*`, `Near`, `a OR b`, `a -b`, `-a`, `^a`, `title:a`, `user_id:1`, `docid:1`, `tasks_search:x`,
		`(a`, `a)`, `{a b}:c`, `a & b`, `a | b`, `!a`, `a <-> b`, `a:*`, `'a':*`, `\`, `\'`, `a\`, `%`, `_`,
		`'; DROP TABLE tasks; --`, "a\x00b", "\x00", "\xff\xfe", "\u202e", "🙂", "é", "\u0301", "İstanbul",
		strings.Repeat("a", 200), strings.Repeat("日", 200), strings.Repeat("a ", 16),
	}
	forEachStore(t, func(t *testing.T, s *Store) {
		alice := mustCreateUser(t, s, "alice")
		bob := mustCreateUser(t, s, "bob")
		for _, title := range hostile {
			// PostgreSQL text holds no NUL and only UTF-8 (the add form
			// refuses both).
			if _, err := s.AddTask(bob.ID, "bob "+strings.ToValidUTF8(strings.ReplaceAll(title, "\x00", ""), "?")); err != nil {
				t.Fatal(err)
			}
		}
		mine, err := s.AddTask(alice.ID, `a "quoted" NEAR title * with (all) sorts: of 'syntax' 🙂 İstanbul`)
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range hostile {
			q, err := ParseSearch(text)
			if err != nil {
				t.Errorf("ParseSearch(%q): %v", text, err)
				continue
			}
			for _, f := range []Filter{FilterAll, FilterOpen, FilterDone} {
				tasks, _, err := s.SearchTasks(alice.ID, q, f, 0)
				if err != nil {
					t.Errorf("SearchTasks(%q, %s): %v", text, f, err)
				}
				for _, task := range tasks {
					if task.ID != mine.ID {
						t.Errorf("SearchTasks(%q) found %+v, not alice's", text, task)
					}
				}
			}
		}
	})
}

func TestSearchPages(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		u := mustCreateUser(t, s, "pager")
		const n = 2*PageSize + 7
		var want []int64
		for i := 0; i < n; i++ {
			title := "filler"
			if i%2 == 0 {
				title = "page item"
			}
			task, err := s.AddTask(u.ID, title)
			if err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 {
				want = append(want, task.ID)
			}
		}
		slices.Reverse(want) // newest first
		q, _ := ParseSearch("item")
		var got []int64
		before := int64(0)
		for pages := 0; ; pages++ {
			tasks, more, err := s.SearchTasks(u.ID, q, FilterAll, before)
			if err != nil {
				t.Fatal(err)
			}
			if len(tasks) > PageSize || pages > 3 {
				t.Fatalf("page %d: %d tasks", pages, len(tasks))
			}
			for _, task := range tasks {
				got = append(got, task.ID)
			}
			if !more {
				break
			}
			before = tasks[len(tasks)-1].ID
		}
		if !slices.Equal(got, want) {
			t.Errorf("pages gave %v, want %v", got, want)
		}
	})
}

// TestSearchMigrationIndexesExistingTasks applies the search migration
// to a database that already has tasks (made before it): they are found.
func TestSearchMigrationIndexesExistingTasks(t *testing.T) {
	undo := map[dialect]string{
		dialectSQLite: `DROP TRIGGER tasks_search_insert; DROP TRIGGER tasks_search_update_before;
DROP TRIGGER tasks_search_update_after; DROP TRIGGER tasks_search_delete; DROP TABLE tasks_search;`,
		dialectPostgres: `DROP INDEX tasks_by_title_words; ALTER TABLE tasks DROP COLUMN title_words;`,
	}
	forEachDatabase(t, func(t *testing.T, db *sql.DB, d dialect) {
		s := newStore(db, d, newWriteLock(d))
		if _, err := db.Exec(undo[d]); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`DELETE FROM schema_migrations WHERE version = 6`); err != nil {
			t.Fatal(err)
		}
		u := mustCreateUser(t, s, "early")
		for _, title := range []string{"an early task", "another one"} {
			if _, err := s.AddTask(u.ID, title); err != nil {
				t.Fatal(err)
			}
		}
		if err := migrate(context.Background(), db, d); err != nil {
			t.Fatal(err)
		}
		if got := searchTitles(t, s, u.ID, "early", FilterAll); !slices.Equal(got, []string{"an early task"}) {
			t.Errorf("after the migration: %q", got)
		}
		if _, err := s.AddTask(u.ID, "a later task"); err != nil {
			t.Fatal(err)
		}
		if got := searchTitles(t, s, u.ID, "task", FilterAll); !slices.Equal(got, []string{"a later task", "an early task"}) {
			t.Errorf("after an add: %q", got)
		}
	})
}
