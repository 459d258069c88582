package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/fiberfn/fiberfn/fiberfn"
)

// TestImportJobToken checks that a job's token names its topic only for
// the user who started it, under the signing key or a retired one.
func TestImportJobToken(t *testing.T) {
	current, retired := []byte("the current signing key, 32 bytes"), []byte("a retired signing key, 32 bytes!")
	j := &importJobs{keys: [][]byte{current, retired}}
	old := &importJobs{keys: [][]byte{retired}}
	const id = "AAAAAAAAAAAAAAAAAAAAAA" // 22 characters, as start makes
	token := j.token(42, id)
	flip := func(s string) string {
		b := []byte(s)
		if b[len(b)-1] == 'A' {
			b[len(b)-1] = 'B'
		} else {
			b[len(b)-1] = 'A'
		}
		return string(b)
	}
	tests := []struct {
		name  string
		uid   int64
		token string
		ok    bool
	}{
		{"its user", 42, token, true},
		{"another user", 43, token, false},
		{"anonymous", 0, token, false},
		{"altered MAC", 42, flip(token), false},
		{"another id", 42, "BBBBBBBBBBBBBBBBBBBBBB" + token[22:], false},
		{"signed with a retired key", 42, old.token(42, id), true},
		{"no MAC", 42, id, false},
		{"empty", 42, "", false},
		{"not base64", 42, id + "." + strings.Repeat("*", 43), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			topic, ok := j.topicOf(tt.uid, tt.token)
			if ok != tt.ok || ok && topic != importTopic(id) {
				t.Errorf("topicOf(%d, %q) = %q, %v; want ok %v", tt.uid, tt.token, topic, ok, tt.ok)
			}
		})
	}
}

// TestImportJobTokenShape checks that a token has the lengths topicOf
// accepts: a 22-character id (16 random bytes) and a 43-character MAC.
func TestImportJobTokenShape(t *testing.T) {
	j := &importJobs{keys: [][]byte{[]byte("k")}}
	id, sig, _ := strings.Cut(j.token(1, strings.Repeat("x", 22)), ".")
	if len(id) != 22 || len(sig) != 43 {
		t.Errorf("token parts %d and %d characters, topicOf wants 22 and 43", len(id), len(sig))
	}
}

// TestImportJobStoppedRollsBack checks that a job the app stops under
// imports nothing and ends its stream with a done event that says so.
func TestImportJobStoppedRollsBack(t *testing.T) {
	a := newTestApp(t, "", "")
	u, err := a.Store.CreateUser("stopped", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	broker := fiberfn.NewMemoryBroker()
	live := &liveTasks{hub: fiberfn.NewHub(fiberfn.HubConfig{Broker: broker}), logger: slog.Default()}
	j := newImportJobs(live, a.Keys, a.Fiber.Config().Views, slog.Default())
	ctx := context.Background()
	topic := importTopic("stopped")
	start, err := live.hub.Cursor(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	titles := make([]string, 600)
	for i := range titles {
		titles[i] = fmt.Sprintf("task %d", i+1)
	}
	j.stop() // the app stops before the job's first batch is reported
	j.wg.Add(1)
	j.run(a.Store, u.ID, titles, topic, "")
	mustCounts(t, a.Store, u.ID, 0, 0)
	rp, err := broker.Since(ctx, topic, start, 10)
	if err != nil || len(rp.Events) == 0 {
		t.Fatalf("events %v, %v", rp.Events, err)
	}
	last := rp.Events[len(rp.Events)-1]
	if last.Name != importDoneEvent || !strings.Contains(last.Data, "Nothing was imported") {
		t.Errorf("the last event is %q: %q", last.Name, last.Data)
	}
}
