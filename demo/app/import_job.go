package app

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/fiberfn/fiberfn/fiberfn"
)

// An htmx 2 page cannot read the import's own answer as a stream (htmx
// 2's sse extension opens only EventSource GETs), so its import runs as a
// job: the post starts it and answers at once with a placeholder that
// connects (sse-connect) to the job's progress, ImportJobPath + a token.
// The job publishes its progress to a topic of the app's hub, so the GET
// may land on any instance (with -redis, the hub's broker is Redis): the
// progress as unnamed events, then one "done" event, the last fragment,
// on which the page closes the stream (sse-close).
//
// The token is a random job id (128 bits) and an HMAC of it and the
// user's id under the app's signing key: only the user who started the
// job can follow it (anyone else, anonymous included, gets a 404), on
// every instance, with no state kept besides the topic.

// ImportJobPath is where an htmx 2 page follows an import's progress:
// ImportJobPath + the job's token.
const ImportJobPath = "/import/progress/"

// MaxImportStreams is the most import progress streams one user may hold
// open on one instance.
const MaxImportStreams = 4

// importDoneEvent is the name of a job's last event: its final fragment
// (the count and the link back, or the error), swapped like the others,
// and the end of the stream for the page (sse-close).
const importDoneEvent = "done"

// maxJobEvents bounds the progress events of one job, so that a page that
// connects late replays them all (fewer than the hub's MaxPending).
const maxJobEvents = 100

// importJobs runs the imports of htmx 2 pages in the background.
type importJobs struct {
	hub    *fiberfn.Hub
	live   *liveTasks
	keys   [][]byte // the first signs, every one verifies
	views  fiber.Views
	logger *slog.Logger

	ctx    context.Context // ends with the app: a running job rolls back
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newImportJobs(live *liveTasks, keys [][]byte, views fiber.Views, logger *slog.Logger) *importJobs {
	ctx, cancel := context.WithCancel(context.Background())
	return &importJobs{hub: live.hub, live: live, keys: keys, views: views, logger: logger, ctx: ctx, cancel: cancel}
}

// stop ends the running jobs (each rolls back and says so) and waits for
// them.
func (j *importJobs) stop() {
	j.cancel()
	j.wg.Wait()
}

// importTopic is the topic of job id's progress.
func importTopic(id string) string { return "import:" + id }

// jobMAC binds job id to user uid under key.
func jobMAC(key []byte, uid int64, id string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("fiberfn demo import job\x00" + strconv.FormatInt(uid, 10) + "\x00" + id))
	return m.Sum(nil)
}

// token is the job's part of its progress URL: the id and its MAC for uid.
func (j *importJobs) token(uid int64, id string) string {
	return id + "." + base64.RawURLEncoding.EncodeToString(jobMAC(j.keys[0], uid, id))
}

// topicOf returns the topic of the job whose token is token, when user
// uid started it.
func (j *importJobs) topicOf(uid int64, token string) (string, bool) {
	id, sig, ok := strings.Cut(token, ".")
	if !ok || len(id) != 22 || len(sig) != 43 {
		return "", false
	}
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return "", false
	}
	for _, k := range j.keys {
		if hmac.Equal(mac, jobMAC(k, uid, id)) {
			return importTopic(id), true
		}
	}
	return "", false
}

// start starts importing titles into u's list as a job and returns the
// placeholder the page swaps in: the progress at 0 and the URL that
// follows the job.
func (j *importJobs) start(c *fiber.Ctx, store *Store, u *User, titles []string) (ImportProgress, error) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	id := base64.RawURLEncoding.EncodeToString(b[:])
	topic := importTopic(id)
	// The topic's position before the job publishes anything: the page
	// replays from there, whenever and wherever it connects.
	cursor, err := j.hub.Cursor(c.UserContext(), topic)
	if err != nil {
		return ImportProgress{}, err
	}
	stream := ImportJobPath + j.token(u.ID, id) + "?" + fiberfn.CursorQuery + "=" + url.QueryEscape(cursor)
	tab := strings.Clone(changeTab(c)) // Fiber's strings alias the request, which is reused
	j.wg.Add(1)
	go j.run(store, u.ID, titles, topic, tab)
	return ImportProgress{Total: len(titles), Stream: stream}, nil
}

// errStopped is a job's error when the app stops under it.
var errStopped = &fiberfn.Error{Code: http.StatusServiceUnavailable, Message: "The server is restarting. Nothing was imported; please try again."}

// run imports titles, all or nothing, and publishes the progress.
func (j *importJobs) run(store *Store, uid int64, titles []string, topic, tab string) {
	defer j.wg.Done()
	total := len(titles)
	every := (total+importBatch-1)/importBatch/maxJobEvents + 1 // batches per event
	batches := 0
	err := store.ImportTasks(uid, titles, func(done int) error {
		if j.ctx.Err() != nil {
			return errStopped
		}
		if batches++; done == total || batches%every != 0 {
			return nil // the last report follows the commit
		}
		j.publish(topic, "", ImportProgress{Done: done, Total: total})
		return nil
	})
	if err != nil {
		var ue *fiberfn.Error
		if !errors.As(err, &ue) {
			j.logger.Error("demo: import job", "user", uid, "err", err)
			ue = &fiberfn.Error{Code: http.StatusInternalServerError, Message: "The import failed. Nothing was imported; please try again."}
		}
		j.publishHTML(topic, importDoneEvent, `<p class="field-error" role="alert">`+template.HTMLEscapeString(ue.Message)+`</p>`)
		return
	}
	j.live.publish(j.ctx, uid, "add", tab)
	j.publish(topic, importDoneEvent, ImportProgress{Done: total, Total: total, Finished: true})
}

// publish renders p and publishes it to topic as an event named name.
func (j *importJobs) publish(topic, name string, p ImportProgress) {
	var buf bytes.Buffer
	if err := j.views.Render(&buf, "partials/import_progress", p); err != nil {
		j.logger.Error("demo: render an import's progress", "err", err)
		return
	}
	j.publishHTML(topic, name, buf.String())
}

// publishHTML publishes a fragment to topic; a failure is logged (the
// page then waits for the next event, or its user reloads).
func (j *importJobs) publishHTML(topic, name, html string) {
	// Published even while the app stops, so the page learns the end.
	ctx := context.WithoutCancel(j.ctx)
	if _, err := j.hub.Publish(ctx, topic, fiberfn.Event{Name: name, Data: html}); err != nil {
		j.logger.Warn("demo: publish an import's progress", "topic", topic, "err", err)
	}
}

// registerImportJobs adds GET ImportJobPath+token: the progress stream of
// the logged-in user's own job, from the position of its start (the
// placeholder's URL), so nothing published before the page connects is
// lost. Another user's token, a forged one and anonymous requests get a
// 404.
func (a *App) registerImportJobs() {
	a.Fiber.Get(ImportJobPath+":token", fiberfn.Subscribe(fiberfn.SubscribeConfig{
		Hub: a.hub,
		Topics: func(c *fiber.Ctx) ([]string, error) {
			u, err := CurrentUser(c)
			if err != nil {
				return nil, err
			}
			if u == nil {
				return nil, fiber.ErrNotFound
			}
			topic, ok := a.jobs.topicOf(u.ID, c.Params("token"))
			if !ok {
				return nil, fiber.ErrNotFound
			}
			return []string{topic}, nil
		},
		Key: func(c *fiber.Ctx) string {
			if u, _ := CurrentUser(c); u != nil {
				return "import:" + liveKey(u.ID)
			}
			return ""
		},
		MaxPerKey: MaxImportStreams,
	}))
}

// legacyFragmentCaller reports whether the caller is htmx 2 asking for a
// fragment: an htmx partial request without HX-Request-Type (which htmx 4
// sends with every request) that does not accept text/event-stream. htmx 4
// without its hx-sse extension runs the import to the end and gets the
// last fragment, as RegisterStream answers it.
func legacyFragmentCaller(c *fiber.Ctx) bool {
	return fiberfn.WantsFragment(c) && c.Get("HX-Request-Type") == "" &&
		!strings.Contains(strings.ToLower(c.Get(fiber.HeaderAccept)), "text/event-stream")
}
