package strict_test

import (
	"github.com/fiberfn/fiberfn/fiberfn/strict"
	"github.com/gofiber/fiber/v2"
)

// Install the checks before every other handler, so that no middleware
// acts on a request whose length is ambiguous.
func Example() {
	app := fiber.New()
	app.Use(strict.New())
	app.Post("/api/add_task", func(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusNoContent) })
	_ = app // app.Listen(":3000")
}

// Next skips the checks for some requests, here a legacy upload endpoint
// behind a proxy that already normalises framing.
func ExampleNew_next() {
	app := fiber.New()
	app.Use(strict.New(strict.Config{
		Next: func(c *fiber.Ctx) bool { return c.Path() == "/legacy/upload" },
	}))
}
