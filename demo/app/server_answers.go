package app

import (
	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// Some answers are written below the app, without its middleware:
//
//   - fasthttp's ErrorHandler, which Fiber sets to its serverErrorHandler,
//     answers requests that fasthttp could not read (a malformed request
//     line or header, headers over ReadBufferSize: 431, a body over
//     BodyLimit: 413, bad chunking, a read timeout: 408) through the app's
//     ErrorHandler, but no middleware runs;
//   - Fiber's router answers an unknown method ("BREW / HTTP/1.1") with
//     400 "Invalid http method" itself, before any middleware.
//
// guardServerAnswers wraps both on app's fasthttp server so that those
// answers carry the same headers as every other answer: those that the
// handlers set on an ordinary answer (recorded once, by running them on
// an in-memory request, so they cannot drift apart), and HSTS when the
// request came over HTTPS. fasthttp's two fixed-text answers cannot be
// reached (see SECURITY.md).
func guardServerAnswers(app *fiber.App, handlers ...fiber.Handler) {
	headers := recordHeaders(handlers...)
	set := func(ctx *fasthttp.RequestCtx) {
		for _, h := range headers {
			ctx.Response.Header.SetCanonical(h.key, h.value)
		}
		c := app.AcquireCtx(ctx)
		if fiberfn.IsHTTPS(c) {
			ctx.Response.Header.Set(fiber.HeaderStrictTransportSecurity, HSTS)
		}
		app.ReleaseCtx(c)
	}
	srv := app.Server()
	serve, answerError := srv.Handler, srv.ErrorHandler
	srv.Handler = func(ctx *fasthttp.RequestCtx) {
		serve(ctx)
		if len(ctx.Response.Header.Peek(fiber.HeaderContentSecurityPolicy)) == 0 {
			set(ctx) // an answer that no middleware saw
		}
	}
	srv.ErrorHandler = func(ctx *fasthttp.RequestCtx, err error) {
		answerError(ctx, err)
		set(ctx)
	}
}

// headerValue is one recorded response header.
type headerValue struct{ key, value []byte }

// recordHeaders returns the headers that handlers set on the answer to
// an ordinary GET / over plain HTTP, without those that describe the body
// or the connection.
func recordHeaders(handlers ...fiber.Handler) []headerValue {
	probe := fiber.New(fiber.Config{DisableStartupMessage: true})
	for _, h := range handlers {
		probe.Use(h)
	}
	probe.Use(func(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusNoContent) })
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod(fiber.MethodGet)
	ctx.Request.SetRequestURI("/")
	probe.Handler()(&ctx)
	var out []headerValue
	ctx.Response.Header.VisitAll(func(k, v []byte) {
		switch string(k) {
		case fiber.HeaderContentType, fiber.HeaderContentLength, fiber.HeaderDate, fiber.HeaderServer, fiber.HeaderConnection, fiber.HeaderSetCookie, fiber.HeaderVary:
			return
		}
		out = append(out, headerValue{key: append([]byte(nil), k...), value: append([]byte(nil), v...)})
	})
	return out
}
