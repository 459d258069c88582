package fiberfn

// Stream: events, error events and heartbeats of a handler-driven stream.

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

func TestStreamSendsEventsAndErrors(t *testing.T) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/ok", func(c *fiber.Ctx) error {
		n := c.QueryInt("n")
		return Stream(c, func(ctx context.Context, w *EventWriter) error {
			for i := 0; i < n; i++ {
				if err := w.Send(Event{Data: fmt.Sprint(i)}); err != nil {
					return err
				}
			}
			return nil
		})
	})
	app.Get("/user-error", func(c *fiber.Ctx) error {
		return Stream(c, func(ctx context.Context, w *EventWriter) error {
			_ = w.Send(Event{Data: "half"})
			return ServerError("Line 3001: no title.", 422)
		})
	})
	app.Get("/internal-error", func(c *fiber.Ctx) error {
		return Stream(c, func(ctx context.Context, w *EventWriter) error {
			return errors.New("database password is hunter2")
		}, StreamConfig{Logger: discardLogger()})
	})
	app.Get("/bad-field", func(c *fiber.Ctx) error {
		return Stream(c, func(ctx context.Context, w *EventWriter) error {
			if err := w.Send(Event{Name: "a\nb"}); !errors.Is(err, errEventField) {
				t.Errorf("Send with a bad name: %v", err)
			}
			return nil
		})
	})
	srv := startApp(t, app)
	tests := []struct {
		path string
		want []sseEvent
	}{
		{"/ok?n=3", []sseEvent{{Retry: "1000"}, {Data: "0"}, {Data: "1"}, {Data: "2"}}},
		{"/user-error", []sseEvent{{Retry: "1000"}, {Data: "half"}, {Name: ErrorEvent, Data: "Line 3001: no title."}}},
		{"/internal-error", []sseEvent{{Retry: "1000"}, {Name: ErrorEvent, Data: internalMessage}}},
		{"/bad-field", []sseEvent{{Retry: "1000"}}},
	}
	for _, tt := range tests {
		c := openStream(t, srv.base+tt.path)
		evs, err := c.ended(5 * time.Second)
		if err != nil || fmt.Sprint(evs) != fmt.Sprint(tt.want) {
			t.Errorf("%s: got %+v, %v; want %+v", tt.path, evs, err, tt.want)
		}
	}
}

func TestStreamHeartbeat(t *testing.T) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/s", func(c *fiber.Ctx) error {
		return Stream(c, func(ctx context.Context, w *EventWriter) error {
			<-ctx.Done()
			return nil
		}, StreamConfig{Heartbeat: 20 * time.Millisecond})
	})
	hub := NewHub(HubConfig{Stream: StreamConfig{Heartbeat: 20 * time.Millisecond}})
	app.Get("/live", Subscribe(SubscribeConfig{Hub: hub, Authorize: func(*fiber.Ctx, []string) error { return nil }}))
	srv := startApp(t, app)
	for _, path := range []string{"/s", "/live?topic=t"} {
		c := openStream(t, srv.base+path)
		comments := 0
		timeout := time.After(5 * time.Second)
		for comments < 3 {
			select {
			case ev := <-c.events:
				if ev.Comment {
					comments++
				}
			case <-timeout:
				t.Fatalf("%s: %d heartbeats in 5 s", path, comments)
			}
		}
	}
}
