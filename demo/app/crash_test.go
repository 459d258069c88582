package app

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fiberfn/fiberfn/fiberfn"
)

// TestCrashAfterRunNames: the crash hook takes only the name of a
// once-only function; anything else is an error at start.
func TestCrashAfterRunNames(t *testing.T) {
	for _, tc := range []struct {
		fn string
		ok bool
	}{{fnAddTask, true}, {"delete_task", false}, {"nope", false}, {" add_task", false}} {
		err := checkCrashFn(tc.fn)
		if (err == nil) != tc.ok {
			t.Errorf("checkCrashFn(%q) = %v, want ok %v", tc.fn, err, tc.ok)
		}
	}
	_, err := New(Options{DBPath: filepath.Join(t.TempDir(), "c.db"), CrashAfterRun: "nope"})
	if err == nil || !strings.Contains(err.Error(), "not a once-only function") {
		t.Errorf("New with CrashAfterRun nope: %v", err)
	}
}

// TestCrasherMarksOnlyItsFunction: the wrapped store remembers the keys
// that a request to the function won, and only those; a released key is
// forgotten. (The kill itself is tested with the binary: tests/cluster_*.)
func TestCrasherMarksOnlyItsFunction(t *testing.T) {
	c := newCrasher(fnAddTask, memOnce{fiberfn.NewMemoryOnceStore()})
	marked := context.WithValue(context.Background(), crashMark{}, true)
	for _, tc := range []struct {
		ctx  context.Context
		key  string
		want bool
	}{{context.Background(), "other", false}, {marked, "mine", true}} {
		if _, err := c.Claim(tc.ctx, tc.key, "run", time.Second, time.Minute); err != nil {
			t.Fatal(err)
		}
		if c.keys[tc.key] != tc.want {
			t.Errorf("key %q marked %v, want %v", tc.key, c.keys[tc.key], tc.want)
		}
	}
	if ok, err := c.Finish(context.Background(), "other", "run", []byte("answer"), time.Minute); !ok || err != nil {
		t.Errorf("Finish of an unmarked key: %v %v", ok, err)
	}
	if err := c.Release(context.Background(), "mine", "run"); err != nil {
		t.Fatal(err)
	}
	if c.keys["mine"] {
		t.Error("a released key is still marked")
	}
}

// memOnce is the in-memory store with a Close.
type memOnce struct{ fiberfn.OnceStore }

func (memOnce) Close() error { return nil }
