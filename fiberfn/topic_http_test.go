package fiberfn

import (
	"context"
	"testing"
)

func TestSubscribeDeliversPublished(t *testing.T) {
	hub := NewHub()
	srv := hubApp(t, hub, SubscribeConfig{})
	c := openStream(t, srv.base+"/live?topic=t1")
	open := c.next()
	if open.Retry != "1000" || open.ID == "" {
		t.Fatalf("opening block %+v, want retry 1000 and the position", open)
	}
	id, err := hub.Publish(context.Background(), "t1", Event{Data: "<li>a</li>\n<li>b</li>"})
	if err != nil {
		t.Fatal(err)
	}
	ev := c.next()
	if ev.ID != id || ev.Data != "<li>a</li>\n<li>b</li>" || ev.Name != "" {
		t.Fatalf("got %+v, want id %s and the two lines", ev, id)
	}
}
