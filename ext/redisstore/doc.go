// Package redisstore keeps fiberfn's shared state in Redis, for apps that
// run as several instances: once-only claims and answers, and the delivery
// of topic events between instances. It is its own module, so that the
// fiberfn library itself depends on Fiber only and an app pulls in a Redis
// client only when it imports this package.
package redisstore
