package strict

import "github.com/gofiber/fiber/v2"

// Config configures the middleware returned by [New].
type Config struct {
	// Next skips the checks for a request when it returns true.
	//
	// Optional. Default: nil
	Next func(c *fiber.Ctx) bool
}

// ConfigDefault is the default configuration.
var ConfigDefault = Config{}

// configDefault returns the first config, or the default.
func configDefault(config ...Config) Config {
	if len(config) == 0 {
		return ConfigDefault
	}
	return config[0]
}
