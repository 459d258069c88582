package app

import "github.com/gofiber/fiber/v2"

// InstanceHeader names the instance that answered (Options.Instance) on
// every answer, so that people and tests behind a load balancer can see
// which instance served a request. Without Options.Instance the header is
// not sent.
const InstanceHeader = "X-Instance"

// instanceHeader sets InstanceHeader to name on every answer; with an
// empty name it does nothing.
func instanceHeader(name string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if name != "" {
			c.Set(InstanceHeader, name)
		}
		return c.Next()
	}
}
