package redisstore

import (
	"testing"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/fiberfn/fiberfn/fiberfn/oncetest"
)

// open returns a store on the test's own key prefix, on a client of its
// own (closed when the test ends).
func open(t *testing.T) fiberfn.OnceStore {
	t.Helper()
	client, prefix := testRedis(t)
	return NewOnceStore(client, OnceConfig{Prefix: prefix})
}

func TestOnceStore(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Redis")
	}
	oncetest.TestStore(t, open)
}

func TestOnceInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Redis")
	}
	oncetest.TestInstances(t, open)
}
