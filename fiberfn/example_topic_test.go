package fiberfn_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
)

// A task list that every open page of the same user sees change: the
// server functions publish the changed row to the user's topic, and each
// page subscribes to it.
func ExampleSubscribe() {
	hub := fiberfn.NewHub()                                        // in-process; ext/redisstore.NewBroker for several instances
	userID := func(c *fiber.Ctx) string { return c.Get("X-User") } // your session's user

	app := fiber.New()
	fiberfn.Mount(app)
	app.Get("/live", fiberfn.Subscribe(fiberfn.SubscribeConfig{
		Hub: hub,
		// Server-chosen topics: a client can only ever get its own.
		Topics: func(c *fiber.Ctx) ([]string, error) {
			if userID(c) == "" {
				return nil, fiber.ErrUnauthorized
			}
			return []string{"user:" + userID(c) + ":tasks"}, nil
		},
		Key:       userID, // at most MaxPerKey (8) open streams per user
		MaxPerKey: 8,
	}))
	app.Get("/", func(c *fiber.Ctx) error {
		// The page renders its tasks and the position they are at, so
		// that nothing published in between is lost:
		//   htmx 4: <div hx-sse:connect="/live?last-event-id={{ .Cursor }}" hx-swap="none"></div>
		//   htmx 2: <div hx-ext="sse" sse-connect="/live?last-event-id={{ .Cursor }}" sse-swap="message" hx-swap="none"></div>
		cursor, err := hub.Cursor(c.UserContext(), "user:"+userID(c)+":tasks")
		if err != nil {
			return err
		}
		return c.Render("tasks", fiber.Map{"Cursor": cursor})
	})

	// In a server function: publish the changed row, swapped by id
	// (hx-swap-oob) into every page of the user.
	var _ = fiberfn.Register("rename_task_example", func(c *fiber.Ctx, in struct {
		ID    int    `form:"id"`
		Title string `form:"title"`
	}) (struct{}, error) {
		row := fmt.Sprintf(`<li id="task-%d" hx-swap-oob="true">%s</li>`, in.ID, in.Title) // render a template in real code
		_, err := hub.Publish(c.UserContext(), "user:"+userID(c)+":tasks", fiberfn.Event{Data: row})
		return struct{}{}, err
	})

	// On SIGTERM: end every stream (clients reconnect to another
	// instance), then stop the server. app.Shutdown alone also ends them.
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		<-sig
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hub.Shutdown(ctx)
		_ = app.ShutdownWithContext(ctx)
	}()
	log.Fatal(app.Listen(":3000"))
}

// Stream sends a sequence of events as one answer: here a progress count.
func ExampleStream() {
	app := fiber.New()
	app.Get("/count", func(c *fiber.Ctx) error {
		n := c.QueryInt("n", 10) // read from c before Stream: fn runs later
		return fiberfn.Stream(c, func(ctx context.Context, w *fiberfn.EventWriter) error {
			for i := 1; i <= n; i++ {
				if err := w.Send(fiberfn.Event{Data: "<progress value=" + strconv.Itoa(i) + " max=" + strconv.Itoa(n) + "></progress>"}); err != nil {
					return err // the client has gone
				}
				select {
				case <-ctx.Done(): // shutdown or client gone
					return nil
				case <-time.After(100 * time.Millisecond):
				}
			}
			return nil
		})
	})
}

// The SSE encoding of an event: one data line per line of the fragment.
func ExampleEvent_AppendSSE() {
	b, _ := fiberfn.Event{ID: "1700000000000-7", Data: "<li>Milk</li>\n<li>Eggs</li>"}.AppendSSE(nil)
	fmt.Print(string(b))
	// Output:
	// id: 1700000000000-7
	// data: <li>Milk</li>
	// data: <li>Eggs</li>
}
