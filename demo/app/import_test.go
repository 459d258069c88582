package app

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fiberfn/fiberfn/fiberfn"
)

func TestParseImport(t *testing.T) {
	long := strings.Repeat("é", MaxTitleLength+1)
	tests := []struct {
		name   string
		file   string
		format importFormat
		want   []string
		errMsg string // a part of the error's message; "" for none
	}{
		{"text", "milk\r\n  eggs  \n\nbread", importText, []string{"milk", "eggs", "bread"}, ""},
		{"bom", "\xef\xbb\xbfmilk\n", importText, []string{"milk"}, ""},
		{"text keeps commas", "milk, eggs\n", importText, []string{"milk, eggs"}, ""},
		{"empty", "", importText, nil, ""},
		{"too long", "a\nb\n" + long + "\n", importText, nil, "Line 3: A title has at most 200 characters."},
		{"control", "a\x01b\n", importText, nil, "Line 1: "},
		{"bad utf-8", "ok\n\xff\n", importText, nil, "Line 2: "},
		{"csv", "title,notes\n\"milk, eggs\",x\nbread\n", importCSV, []string{"title", "milk, eggs", "bread"}, ""},
		{"csv multi-line field", "\"a\nb\"\n", importCSV, nil, "Line 1: A title must be a single line of text."},
		{"csv bad quote", "a\nb\n\"c\n", importCSV, nil, "Line 3: this is not valid CSV"},
		{"csv blank", "a\n\nb\n", importCSV, []string{"a", "b"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseImport(strings.NewReader(tt.file), tt.format)
			if tt.errMsg == "" {
				if err != nil || !slices.Equal(got, tt.want) {
					t.Errorf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			var fe *fiberfn.Error
			if !errors.As(err, &fe) || !strings.Contains(fe.Message, tt.errMsg) || !strings.Contains(fe.Message, "Nothing was imported") || got != nil {
				t.Errorf("got %q, %v; want an error with %q", got, err, tt.errMsg)
			}
		})
	}
}

// TestParseImportLine3001 checks that a bad line deep in a big file is
// named by its number.
func TestParseImportLine3001(t *testing.T) {
	var b strings.Builder
	for i := 1; i <= 5000; i++ {
		if i == 3001 {
			b.WriteString("bad\x07title\n")
			continue
		}
		fmt.Fprintf(&b, "task %d\n", i)
	}
	for _, f := range []importFormat{importText, importCSV} {
		_, err := parseImport(strings.NewReader(b.String()), f)
		if err == nil || !strings.Contains(err.Error(), "Line 3,001:") {
			t.Errorf("format %d: %v", f, err)
		}
	}
}

func FuzzParseImport(f *testing.F) {
	f.Add("milk\neggs\n", false)
	f.Add("\"a,b\",c\n\"d", true)
	f.Fuzz(func(t *testing.T, file string, csv bool) {
		format := importText
		if csv {
			format = importCSV
		}
		titles, err := parseImport(strings.NewReader(file), format)
		if err != nil && titles != nil {
			t.Fatalf("an error with titles: %v", err)
		}
		for _, title := range titles {
			if clean, problem := cleanTitle(title); problem != "" || clean != title {
				t.Fatalf("title %q is not clean: %s", title, problem)
			}
		}
	})
}

func TestStoreImportTasks(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		u, err := s.CreateUser("importer", []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		titles := make([]string, 601)
		for i := range titles {
			titles[i] = fmt.Sprintf("task %d", i+1)
		}
		var steps []int
		if err := s.ImportTasks(u.ID, titles, func(done int) error { steps = append(steps, done); return nil }); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(steps, []int{250, 500, 601}) {
			t.Errorf("progress %v", steps)
		}
		mustCounts(t, s, u.ID, 601, 0)
		tasks, err := s.Tasks(u.ID, FilterAll)
		if err != nil || len(tasks) != 601 || tasks[0].Title != "task 1" || tasks[600].Title != "task 601" {
			t.Fatalf("%d tasks, %v", len(tasks), err)
		}
		// A failure after a batch (the client went) rolls everything back.
		stop := errors.New("gone")
		if err := s.ImportTasks(u.ID, titles, func(done int) error {
			if done > 250 {
				return stop
			}
			return nil
		}); !errors.Is(err, stop) {
			t.Fatalf("stopped import: %v", err)
		}
		mustCounts(t, s, u.ID, 601, 0)
	})
}
