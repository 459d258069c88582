package app

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/fiberfn/fiberfn/ext/redisstore"
	"github.com/fiberfn/fiberfn/fiberfn"
)

// LivePath is the event stream a task page subscribes to: the change
// notices of its user's tasks (issue 18).
const LivePath = "/live"

// MaxLiveStreams is the most live streams one user may hold open on one
// instance; one more is answered 429.
const MaxLiveStreams = 16

// newHub returns the hub of the live task lists: on Redis when the app
// has it (so every instance sees every change), else in memory.
func newHub(r *redisConn) (*fiberfn.Hub, func() error) {
	if r == nil {
		return fiberfn.NewHub(), func() error { return nil }
	}
	b := redisstore.NewBroker(r.client, redisstore.BrokerConfig{Prefix: r.prefix})
	return fiberfn.NewHub(fiberfn.HubConfig{Broker: b}), b.Close
}

// liveTasks is what server functions get from the context to publish
// changes and end streams.
type liveTasks struct {
	hub    *fiberfn.Hub
	logger *slog.Logger
}

// tasksTopic is the topic of user id's task changes.
func tasksTopic(id int64) string {
	return "user:" + strconv.FormatInt(id, 10) + ":tasks"
}

// liveKey is the key whose streams are counted and disconnected together.
func liveKey(id int64) string {
	return strconv.FormatInt(id, 10)
}

// registerLive adds GET /live: the stream of the logged-in user's own task
// topic (the topic comes from the session, never from the request).
func (a *App) registerLive() {
	a.Fiber.Get(LivePath, fiberfn.Subscribe(fiberfn.SubscribeConfig{
		Hub: a.hub,
		Topics: func(c *fiber.Ctx) ([]string, error) {
			u, err := CurrentUser(c)
			if err != nil {
				return nil, err
			}
			if u == nil {
				return nil, fiber.NewError(http.StatusUnauthorized, "Please log in first.")
			}
			return []string{tasksTopic(u.ID)}, nil
		},
		Key: func(c *fiber.Ctx) string {
			if u, _ := CurrentUser(c); u != nil {
				return liveKey(u.ID)
			}
			return ""
		},
		MaxPerKey: MaxLiveStreams,
	}))
}

// publishChange tells the user's open pages that their tasks changed.
// The event is a small notice, not the change itself: each page refetches
// its own view (filter, paging) and swaps what differs (public/js/live.js).
// A failure is logged; the change itself is saved.
func publishChange(c *fiber.Ctx, u *User, what string) {
	l, ok := fiberfn.UseContext[*liveTasks](c)
	if !ok || u == nil {
		return
	}
	l.publish(c.UserContext(), u.ID, what, changeTab(c))
}

// publish tells user id's open pages that their tasks changed (what), by
// the page tab (changeTab) or by nobody's ("").
func (l *liveTasks) publish(ctx context.Context, id int64, what, tab string) {
	data := fmt.Sprintf(`<span data-change="%s" data-tab="%s"></span>`, template.HTMLEscapeString(what), tab)
	if _, err := l.hub.Publish(ctx, tasksTopic(id), fiberfn.Event{Data: data}); err != nil {
		l.logger.Warn("demo: publish a task change", "user", id, "err", err)
	}
}

// changeTab is the X-Tab header of the request that made a change: the
// random id public/js/live.js gives each page, so the page that made the
// change skips its own notice (its own answer already swapped it). Only
// up to 32 letters and digits are echoed; anything else is dropped.
func changeTab(c *fiber.Ctx) string {
	tab := c.Get("X-Tab")
	if len(tab) == 0 || len(tab) > 32 {
		return ""
	}
	for i := 0; i < len(tab); i++ {
		ch := tab[i]
		if !(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z') {
			return ""
		}
	}
	return tab
}

// endStreams ends every live stream of user id on this instance (logout,
// password change).
func endStreams(c *fiber.Ctx, id int64) {
	if l, ok := fiberfn.UseContext[*liveTasks](c); ok {
		l.hub.Disconnect(liveKey(id))
	}
}

// liveURL is the URL a task page subscribes with: LivePath resuming from
// the topic's position when the page was rendered, so a change between
// the render and the connection is not missed.
func (a *App) liveURL(ctx context.Context, id int64) string {
	cursor, err := a.hub.Cursor(ctx, tasksTopic(id))
	if err != nil || cursor == "" {
		return LivePath
	}
	return LivePath + "?" + fiberfn.CursorQuery + "=" + url.QueryEscape(cursor)
}

// CloseStreams ends every live stream cleanly (each client is told to
// reconnect, elsewhere): call it on SIGTERM before shutting Fiber down,
// which otherwise waits for the streams.
func (a *App) CloseStreams(ctx context.Context) error {
	return a.hub.Shutdown(ctx)
}

// liveLegacy reports whether version is htmx 2 (its sse extension) rather
// than htmx 4 (hx-sse).
func liveLegacy(version string) bool { return strings.HasPrefix(version, "2.") }

// liveSub is the subscription of user id's task page.
func (a *App) liveSub(ctx context.Context, id int64) *LiveSub {
	l := &LiveSub{URL: a.liveURL(ctx, id), Legacy: a.liveLegacy}
	if a.liveLegacy {
		l.Scripts = []string{a.Assets.URL("vendor/htmx-ext-sse-2.2.4/sse.js"), a.Assets.URL("js/sse-resume.js")}
	} else {
		l.Scripts = []string{a.Assets.URL("vendor/htmx-4.0.1/ext/hx-sse.js")}
	}
	l.Scripts = append(l.Scripts, a.Assets.URL("js/live.js"))
	return l
}

// Hub returns the hub of the live task lists (for tests and tools: its
// Connections, Disconnect). The app owns it; do not shut it down.
func (a *App) Hub() *fiberfn.Hub { return a.hub }
