package tests

// Tools for browser tests that look past the happy path: emulated network
// latency and loss of the network, where the focus is, the task list on
// screen compared with the database, and the size of each response.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// setNetwork emulates the network of the tab through the DevTools
// protocol: latency is added before every response's headers arrive, and
// offline makes every request fail as when the connection is lost. The
// zero values restore the real network.
func (b *demoTab) setNetwork(latency time.Duration, offline bool) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		b.t.Fatalf("Network.enable: %v", err)
	}
	cond := &network.Conditions{
		Latency:            float64(latency.Milliseconds()),
		DownloadThroughput: -1,
		UploadThroughput:   -1,
		Offline:            offline,
	}
	params := network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: []*network.Conditions{cond}}
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, params); err != nil {
		b.t.Fatalf("emulate the network (latency %v, offline %v): %v", latency, offline, err)
	}
	state := network.OverrideNetworkStateParams{Offline: offline, Latency: cond.Latency, DownloadThroughput: -1, UploadThroughput: -1}
	if _, err := chromedp.Call(ctx, network.OverrideNetworkState, state); err != nil {
		b.t.Fatalf("override navigator.onLine: %v", err)
	}
}

// slowNetwork adds latency to every response, as on a slow mobile link.
func (b *demoTab) slowNetwork(latency time.Duration) { b.t.Helper(); b.setNetwork(latency, false) }

// offline makes every request fail; online restores the network.
func (b *demoTab) offline() { b.t.Helper(); b.setNetwork(0, true) }
func (b *demoTab) online()  { b.t.Helper(); b.setNetwork(0, false) }

// focused describes document.activeElement.
type focused struct {
	ID    string `json:"id"`    // its id, or ""
	Tag   string `json:"tag"`   // lower case: "button", "input", "body"
	Class string `json:"class"` // its class attribute
	Row   string `json:"row"`   // the id of the task row it is in, or ""
	Name  string `json:"name"`  // its text, or its value for an input
}

func (f focused) String() string {
	s := f.Tag
	if f.ID != "" {
		s += "#" + f.ID
	}
	if f.Class != "" {
		s += "." + strings.ReplaceAll(f.Class, " ", ".")
	}
	if f.Row != "" {
		s += " in #" + f.Row
	}
	if f.Name != "" {
		s += fmt.Sprintf(" (%q)", shorten(f.Name))
	}
	return s
}

// activeElement returns what has the focus.
func (b *demoTab) activeElement() focused {
	b.t.Helper()
	return eval[focused](b, `(() => {
		const a = document.activeElement || document.body;
		return {
			id: a.id || "",
			tag: a.tagName.toLowerCase(),
			class: a.getAttribute("class") || "",
			row: a.closest("li.task")?.id || "",
			name: a === document.body ? "" : ("value" in a && a.tagName !== "BUTTON" ? a.value : a.textContent.trim()),
		};
	})()`)
}

// waitFocus waits until the element sel has the focus, and fails the
// test with what has it instead.
func (b *demoTab) waitFocus(sel string) {
	b.t.Helper()
	b.waitFor("focus on "+sel, fmt.Sprintf(`document.activeElement?.matches(%s) ?? false`, jsQuote(sel)))
}

// waitFor polls a JavaScript condition until it is true (swapTimeout).
func (b *demoTab) waitFor(what, cond string) {
	b.t.Helper()
	poll := chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingInterval(10*time.Millisecond), chromedp.WithPollingTimeout(swapTimeout))
	if _, err := chromedp.Run(b.ctx, poll); errors.Is(err, chromedp.ErrPollingTimeout) {
		b.t.Fatalf("%s: not within %v (focus is on %s)", what, swapTimeout, b.activeElement())
	} else if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// press sends keys to whatever has the focus, as a keyboard user does:
// kb.Tab, kb.Enter, or text to type.
func (b *demoTab) press(keys string) {
	b.t.Helper()
	b.run(fmt.Sprintf("press %q", keys), chromedp.KeyEvent(keys))
}

// tabTo presses Tab until sel has the focus, at most max times, and
// returns how many presses it took.
func (b *demoTab) tabTo(sel string, max int) int {
	b.t.Helper()
	for n := 1; n <= max; n++ {
		b.press("\t")
		if eval[bool](b, fmt.Sprintf(`document.activeElement?.matches(%s) ?? false`, jsQuote(sel))) {
			return n
		}
	}
	b.t.Fatalf("%d Tabs did not reach %s (focus is on %s)", max, sel, b.activeElement())
	return 0
}

// settles returns how many htmx swaps have finished on the page (see
// settleCounterJS); wait for more with waitSettles.
func (b *demoTab) settles() int {
	b.t.Helper()
	return eval[int](b, `window.__settles`)
}

// waitSettles waits until htmx has finished more than n swaps and is idle.
func (b *demoTab) waitSettles(n int) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf("htmx swap #%d", n+1), fmt.Sprintf(`window.__settles > %d && %s`, n, htmxIdleJS))
}

// response is one response the tab received.
type response struct {
	Method   string
	URL      string
	Status   int64
	Encoding string // Content-Encoding: "br", "gzip" or ""
	Cache    string // Cache-Control
	Wire     int64  // bytes received: headers and the encoded body
	Body     int64  // bytes of the encoded body
	Decoded  int64  // bytes of the body after decoding
	Cached   bool   // served from the browser's cache
	Failed   string // the network error, if it failed
	Done     bool   // finished or failed
}

// responseLog records every response of a tab, from the network events of
// the DevTools protocol.
type responseLog struct {
	mu    sync.Mutex
	byID  map[network.RequestID]*response
	order []*response
}

// recordResponses starts recording the responses of the tab.
func recordResponses(t *testing.T, ctx context.Context) *responseLog {
	t.Helper()
	l := &responseLog{byID: map[network.RequestID]*response{}}
	err := chromedp.Listen(ctx, func(ev any) {
		l.mu.Lock()
		defer l.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			r := &response{Method: ev.Request.Method, URL: ev.Request.URL}
			l.byID[ev.RequestID] = r
			l.order = append(l.order, r)
		case *network.EventResponseReceived:
			if r := l.byID[ev.RequestID]; r != nil {
				r.Status = ev.Response.Status
				r.Encoding = header(ev.Response.Headers, "Content-Encoding")
				r.Cache = header(ev.Response.Headers, "Cache-Control")
				r.Cached = ev.Response.FromDiskCache || ev.Response.FromPrefetchCache
			}
		case *network.EventRequestServedFromCache:
			if r := l.byID[ev.RequestID]; r != nil {
				r.Cached = true
			}
		case *network.EventDataReceived:
			if r := l.byID[ev.RequestID]; r != nil {
				r.Decoded += ev.DataLength
			}
		case *network.EventLoadingFinished:
			if r := l.byID[ev.RequestID]; r != nil {
				r.Wire = int64(ev.EncodedDataLength)
				r.Body = int64(ev.EncodedBodyLength)
				r.Done = true
				// Nothing over the network: Chromium's memory cache, which
				// does not always say so with requestServedFromCache.
				r.Cached = r.Cached || r.Wire == 0
			}
		case *network.EventLoadingFailed:
			if r := l.byID[ev.RequestID]; r != nil {
				r.Failed = ev.ErrorText
				r.Done = true
			}
		}
	})
	if err != nil {
		t.Fatalf("record responses: %v", err)
	}
	return l
}

// header returns a response header, whatever the case of its name.
func header(h network.Headers, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return fmt.Sprint(v)
		}
	}
	return ""
}

// mark returns a position in the log, for since.
func (l *responseLog) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.order)
}

// since returns copies of the responses recorded after mark.
func (l *responseLog) since(mark int) []response {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []response
	for _, r := range l.order[mark:] {
		out = append(out, *r)
	}
	return out
}

// waitDone waits until every request recorded after mark has finished
// or failed, and returns them. The live task list's event stream (/live)
// never finishes and is left out.
func (l *responseLog) waitDone(t *testing.T, mark int) []response {
	t.Helper()
	deadline := time.Now().Add(swapTimeout)
	for {
		rs := slices.DeleteFunc(l.since(mark), func(r response) bool { return strings.Contains(r.URL, "/live?") || strings.HasSuffix(r.URL, "/live") })
		pending := 0
		for _, r := range rs {
			if !r.Done {
				pending++
			}
		}
		if pending == 0 {
			return rs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d requests did not finish: %+v", pending, len(rs), rs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// total adds up the bytes of the responses.
func total(rs []response) (wire, decoded int64) {
	for _, r := range rs {
		wire += r.Wire
		decoded += r.Decoded
	}
	return wire, decoded
}
