package redisstore

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/redis/go-redis/v9"
)

// freezingProxy forwards TCP connections to Redis; freeze stops every
// connection open at that moment from forwarding anything, without
// closing it: a connection that died without anyone knowing (a peer that
// vanished, a NAT that forgot it). Later connections work.
type freezingProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	frozen []chan struct{}
	done   chan struct{} // closed when the test ends
}

func startProxy(t testing.TB, target string) *freezingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezingProxy{ln: ln, target: target, done: make(chan struct{})}
	t.Cleanup(func() { ln.Close(); close(p.done) })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(t, c)
		}
	}()
	return p
}

func (p *freezingProxy) serve(t testing.TB, c net.Conn) {
	defer c.Close()
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer up.Close()
	stop := make(chan struct{})
	p.mu.Lock()
	p.frozen = append(p.frozen, stop)
	p.mu.Unlock()
	pipe := func(dst io.Writer, src io.Reader) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			select {
			case <-stop:
				<-p.done // swallow everything, answer nothing
				return
			default:
			}
			if n > 0 {
				if _, err := dst.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
	go pipe(up, c)
	pipe(c, up)
}

func (p *freezingProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.frozen {
		close(s)
	}
	p.frozen = nil
}

// TestBrokerReplacesSilentConnection: a pub/sub connection that stops
// answering without being closed is noticed by the health check (two
// unanswered pings), replaced, and the topic catches up from its stream.
func TestBrokerReplacesSilentConnection(t *testing.T) {
	base, prefix := testRedis(t)
	proxy := startProxy(t, base.Options().Addr)
	client := newClient(t, base, func(o *redis.Options) {
		o.Addr = proxy.ln.Addr().String()
		o.ReadTimeout = 500 * time.Millisecond
		o.WriteTimeout = 500 * time.Millisecond
	})
	b := newBroker(t, client, prefix, BrokerConfig{HealthCheck: 100 * time.Millisecond, Logger: nil})
	ctx := context.Background()
	r := newRecorder()
	if err := b.Listen(ctx, "t", r); err != nil {
		t.Fatal(err)
	}
	// Published directly, while the broker's connections hang.
	proxy.freeze()
	direct := NewBroker(base, BrokerConfig{Prefix: prefix})
	defer direct.Close()
	var want []string
	for i := 0; i < 3; i++ {
		id, err := direct.Publish(ctx, "t", fiberfn.Event{Data: fmt.Sprint(i)})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, id)
	}
	evs := r.wait(t, 3)
	var got []string
	for _, e := range evs {
		got = append(got, e.ID)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("after the silent connection was replaced: %v, want %v", got, want)
	}
}
