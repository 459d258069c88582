package fiberfn

import (
	"strconv"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// The benchmarks compare the per-request path of a server function with a
// hand-written Fiber handler doing the same work: decode two form fields,
// set a cookie, redirect. Run with:
//
//	go test -run '^$' -bench . -benchmem ./fiberfn/

type signIn struct {
	Username string `form:"username"`
	Remember bool   `form:"remember"`
}

const benchBody = "username=ann&remember=on"

func benchRequest(path string) *fasthttp.RequestCtx {
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod(fiber.MethodPost)
	ctx.Request.SetRequestURI(path)
	ctx.Request.Header.SetHost("example.com")
	ctx.Request.Header.SetContentType(fiber.MIMEApplicationForm)
	ctx.Request.Header.Set("Origin", "http://example.com")
	ctx.Request.SetBodyString(benchBody)
	return &ctx
}

func runBench(b *testing.B, app *fiber.App, path string) {
	h := app.Handler()
	ctx := benchRequest(path)
	h(ctx)
	if ctx.Response.StatusCode() != fiber.StatusFound || string(ctx.Response.Header.Peek("Location")) != "/welcome" {
		b.Fatalf("status %d, Location %q", ctx.Response.StatusCode(), ctx.Response.Header.Peek("Location"))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx.Response.Reset()
		h(ctx)
	}
}

// sink keeps decoded values alive so the compiler cannot drop the work.
var sink signIn

func BenchmarkServerFunction(b *testing.B) {
	reg := NewRegistry()
	RegisterOn(reg, "sign_in", func(c *fiber.Ctx, in signIn) (struct{}, error) {
		sink = in
		Response(c).SetCookie(&fiber.Cookie{Name: "user", Value: in.Username, HTTPOnly: true})
		return struct{}{}, Redirect(c, "/welcome")
	})
	app := fiber.New()
	Mount(app, Config{Registry: reg})
	runBench(b, app, "/api/sign_in")
}

// signInRouted is signIn with a route parameter.
type signInRouted struct {
	ID       int    `params:"id"`
	Username string `form:"username"`
	Remember bool   `form:"remember"`
}

var sinkID int

// BenchmarkRoutedFunction is BenchmarkServerFunction's work by a function
// on a route with a parameter (/api/sign_in/:id), its id decoded from the
// path beside the form's two fields.
func BenchmarkRoutedFunction(b *testing.B) {
	reg := NewRegistry()
	RegisterOn(reg, "sign_in", func(c *fiber.Ctx, in signInRouted) (struct{}, error) {
		sink, sinkID = signIn{Username: in.Username, Remember: in.Remember}, in.ID
		Response(c).SetCookie(&fiber.Cookie{Name: "user", Value: in.Username, HTTPOnly: true})
		return struct{}{}, Redirect(c, "/welcome")
	}, Route("/api/sign_in/:id"))
	app := fiber.New()
	Mount(app, Config{Registry: reg})
	runBench(b, app, "/api/sign_in/42")
	if sinkID != 42 {
		b.Fatalf("id %d, want 42", sinkID)
	}
}

func BenchmarkRawFiberHandler(b *testing.B) {
	app := fiber.New()
	app.Post("/api/sign_in", func(c *fiber.Ctx) error {
		// The same work, by hand: copy the two values out of the request
		// (as decoding into a struct does), set the cookie, redirect.
		in := signIn{Username: string([]byte(c.FormValue("username")))}
		in.Remember = c.FormValue("remember") == "on"
		sink = in
		c.Cookie(&fiber.Cookie{Name: "user", Value: in.Username, HTTPOnly: true})
		return c.Redirect("/welcome")
	})
	runBench(b, app, "/api/sign_in")
}

// BenchmarkRawFiberHandlerSameChecks is a careful hand-written handler
// that also does what the plugin does for every server function besides
// the work itself: recovering a panic, the cross-origin check, the body
// limit, the content-type check, the caller classification (htmx partial,
// boosted or full, history restore, JSON) with its Vary header, and the
// caller-aware redirect. (fiberfn also keeps a copy of the response headers
// so that a panic cannot drop earlier middleware's; this handler does not.)
func BenchmarkRawFiberHandlerSameChecks(b *testing.B) {
	app := fiber.New()
	app.Post("/api/sign_in", func(c *fiber.Ctx) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fiber.ErrInternalServerError
			}
		}()
		c.Response().Header.Add(fiber.HeaderVary, "HX-Request, HX-Boosted, HX-Request-Type, HX-History-Restore-Request, Accept")
		htmxPartial := c.Get("HX-Request") == "true" && c.Get("HX-Boosted") != "true" &&
			c.Get("HX-Request-Type") != "full" && c.Get("HX-History-Restore-Request") != "true"
		wantsJSON := strings.Contains(c.Get(fiber.HeaderAccept), fiber.MIMEApplicationJSON)
		switch site := c.Get("Sec-Fetch-Site"); site {
		case "same-origin", "none":
		case "":
			if o := c.Get(fiber.HeaderOrigin); o != "" && o != "http://"+c.Hostname() && o != "https://"+c.Hostname() {
				return fiber.ErrForbidden
			}
		default:
			return fiber.ErrForbidden
		}
		if len(c.Body()) > 1<<20 {
			return fiber.ErrRequestEntityTooLarge
		}
		if !strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationForm) {
			return fiber.ErrUnsupportedMediaType
		}
		in := signIn{Username: string([]byte(c.FormValue("username")))}
		in.Remember = c.FormValue("remember") == "on"
		sink = in
		c.Cookie(&fiber.Cookie{Name: "user", Value: in.Username, HTTPOnly: true})
		switch {
		case htmxPartial:
			c.Set("HX-Redirect", "/welcome")
			return nil
		case wantsJSON:
			c.Set("Fiberfn-Redirect", "/welcome")
			return c.JSON(struct{}{})
		}
		return c.Redirect("/welcome")
	})
	runBench(b, app, "/api/sign_in")
}

// BenchmarkPagePassThrough measures what the plugin adds to an ordinary
// page request that uses no fiberfn feature.
func BenchmarkPagePassThrough(b *testing.B) {
	app := fiber.New()
	app.Use(New(Config{Registry: NewRegistry()}))
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("ok") })
	h := app.Handler()
	var ctx fasthttp.RequestCtx
	ctx.Request.SetRequestURI("/")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx.Response.Reset()
		h(&ctx)
	}
}

func BenchmarkRawPage(b *testing.B) {
	app := fiber.New()
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("ok") })
	h := app.Handler()
	var ctx fasthttp.RequestCtx
	ctx.Request.SetRequestURI("/")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx.Response.Reset()
		h(&ctx)
	}
}

// decodeBench is an input with the common kinds of fields.
type decodeBench struct {
	Title    string   `form:"title"`
	Done     bool     `form:"done"`
	ID       int64    `form:"id"`
	Priority uint8    `form:"priority"`
	Score    float64  `form:"score"`
	Tags     []string `form:"tag"`
	Note     *string  `form:"note"`
}

var decodeSink decodeBench

// BenchmarkDecodeForm measures argument decoding alone: seven fields of the
// common kinds from a url-encoded body.
func BenchmarkDecodeForm(b *testing.B) {
	dec, err := newDecoder(reflectTypeOf[decodeBench](), nil)
	if err != nil {
		b.Fatal(err)
	}
	var args fasthttp.Args
	args.Parse("title=Buy+milk&done=on&id=42&priority=3&score=1.5&tag=a&tag=b&note=hi")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var in decodeBench
		if err := dec.decodeForm(inputValue(&in), &args); err != nil {
			b.Fatal(err)
		}
		decodeSink = in
	}
}

// benchOnceApp is the sign-in function of BenchmarkServerFunction made
// once-only, on the default in-memory store.
func benchOnceApp(b *testing.B) *fiber.App {
	reg := NewRegistry()
	RegisterOn(reg, "sign_in", func(c *fiber.Ctx, in signIn) (struct{}, error) {
		sink = in
		Response(c).SetCookie(&fiber.Cookie{Name: "user", Value: in.Username, HTTPOnly: true})
		return struct{}{}, Redirect(c, "/welcome")
	}, OnceOnly())
	app := fiber.New()
	Mount(app, Config{Registry: reg})
	return app
}

// BenchmarkOnceOnly is BenchmarkServerFunction with OnceOnly: every
// request has a fresh Idempotency-Key, so each claims its key, runs and
// stores its answer (in memory).
func BenchmarkOnceOnly(b *testing.B) {
	h := benchOnceApp(b).Handler()
	ctx := benchRequest("/api/sign_in")
	ctx.Request.Header.Set("Cookie", "fiberfn_client=bench-client-000000000")
	key := []byte("bench-key-")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx.Response.Reset()
		ctx.Request.Header.SetBytesV("Idempotency-Key", strconv.AppendInt(key[:10], int64(i), 36))
		h(ctx)
	}
	b.StopTimer()
	if ctx.Response.StatusCode() != fiber.StatusFound || len(ctx.Response.Header.Peek(ReplayedHeader)) != 0 {
		b.Fatalf("status %d, replayed %q", ctx.Response.StatusCode(), ctx.Response.Header.Peek(ReplayedHeader))
	}
}

// BenchmarkOnceOnlyReplay sends one Idempotency-Key again and again: each
// request after the first gets the stored answer.
func BenchmarkOnceOnlyReplay(b *testing.B) {
	h := benchOnceApp(b).Handler()
	ctx := benchRequest("/api/sign_in")
	ctx.Request.Header.Set("Cookie", "fiberfn_client=bench-client-000000000")
	ctx.Request.Header.Set("Idempotency-Key", "one-key")
	h(ctx)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx.Response.Reset()
		h(ctx)
	}
	b.StopTimer()
	if ctx.Response.StatusCode() != fiber.StatusFound || string(ctx.Response.Header.Peek(ReplayedHeader)) != "true" {
		b.Fatalf("status %d, replayed %q", ctx.Response.StatusCode(), ctx.Response.Header.Peek(ReplayedHeader))
	}
}

// BenchmarkAnswerCodec encodes and decodes the stored form of an htmx
// answer of 2 KB (the size of the demo's add-task answer).
func BenchmarkAnswerCodec(b *testing.B) {
	a := onceAnswer{Caller: htmxPartial, Status: 200, Digest: "abcdefghijklmnop",
		Headers: [][2]string{{"Content-Type", "text/html; charset=utf-8"}, {"Vary", varyValue}},
		Body:    []byte(strings.Repeat(`<li id="task-42"><form><button name="done" value="true">Done</button><span>Buy milk</span></form></li>`, 20))}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := decodeAnswer(encodeAnswer(&a)); err != nil {
			b.Fatal(err)
		}
	}
}

// decodeJSONBody is decodeBench's fields as a JSON body.
var decodeJSONBody = []byte(`{"title":"Buy milk","done":true,"id":42,"priority":3,"score":1.5,"tag":["a","b"],"note":"hi"}`)

// BenchmarkDecodeJSON measures decoding a JSON body of seven fields,
// including the check for a key set twice (BenchmarkJSONRepeatCheck alone).
func BenchmarkDecodeJSON(b *testing.B) {
	dec, err := newDecoder(reflectTypeOf[decodeBench](), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var in decodeBench
		var seen seenSet
		if err := dec.decodeJSON(decodeJSONBody, inputValue(&in), &seen); err != nil {
			b.Fatal(err)
		}
		decodeSink = in
	}
}

// BenchmarkJSONRepeatCheck measures the scan for a key set twice alone,
// the part of BenchmarkDecodeJSON that encoding/json does not do.
func BenchmarkJSONRepeatCheck(b *testing.B) {
	dec, err := newDecoder(reflectTypeOf[decodeBench](), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if dec.json.repeatedJSONField(decodeJSONBody) != "" {
			b.Fatal("a repeat in a body without one")
		}
	}
}
